"""Skeleton backbones that mmaction2 1.2.0's pip package lacks.

``CTRGCN`` and ``MSG3D`` register into ``mmaction.registry.MODELS`` and keep
the ``state_dict`` layout of the original BRL / PYSKL models, so converted
BRL checkpoints (``tools/convert_brl_checkpoint.py``) load strictly.
"""
from .ctrgcn import CTRGCN, CTRGCNBlock, UnitCTRGCN
from .msg3d import MSG3D
from .tcn import MultiScaleTCN

__all__ = ['CTRGCN', 'CTRGCNBlock', 'UnitCTRGCN', 'MSG3D', 'MultiScaleTCN']
