"""Workarounds for the pinned stack (mmaction2 1.2.0, mmengine 0.10.7, torch>=2.6).

:func:`apply_all` runs on ``import brl_mm``, before any ``mmaction.models``
import. Each shim fixes one pitfall listed in the architecture note, is
idempotent, and can be switched off for tests (or to debug the stack) with the
environment variable ``BRL_MM_DISABLE_COMPAT=name[,name...]`` (``all`` for every
shim). The names are the keys of :data:`SHIMS`:

``drn_stub``
    The mmaction2 1.2.0 wheel lacks ``mmaction/models/localizers/drn``
    (upstream issue #2714), so ``import mmaction.models`` fails. We put a stub
    package in ``sys.modules`` whose ``DRN`` raises a clear error when built.
``multimodal_guard``
    ``mmaction.models.multimodal`` imports transformers' BERT/BEiT classes when
    transformers >= 4.28 is installed; transformers >= 5 removed what it needs.
    With transformers >= 5 we make mmaction register its placeholders instead,
    so skeleton models keep working.
``trusted_checkpoint_loading``
    torch >= 2.6 loads with ``weights_only=True``; mmengine 0.10.7 checkpoints
    hold Python objects (message hub, numpy scalars), so ``--resume`` and
    ``load_from`` fail (mmengine #1655). Local checkpoint files are first loaded
    with ``weights_only=True``; only when that fails is the *file the user
    named* re-read with ``weights_only=False``, and a log line says so. Load
    only checkpoints you trust (pickles can run code).
``pkg_resources_free_config``
    mmengine 0.10.7 resolves ``mmaction::`` config inheritance through
    ``pkg_resources``, which setuptools >= 82 removed. We give mmengine's
    config loader ``importlib.metadata`` based replacements.
``cpu_distributed``
    mmengine 0.10.7's ``init_dist`` calls ``torch.cuda.set_device`` for the
    pytorch launcher, which fails on machines without CUDA, so a CPU
    ``torchrun`` job (gloo) cannot start. Without CUDA we initialise the
    process group directly. (The DDP wrapper's ``device_ids`` are set by
    :func:`brl_mm.engine.configure_distributed`.)
``config_format_flag``
    mmengine 0.10.7's ``Config.fromfile(..., format_python_code=False)`` drops
    the flag for ordinary (non-lazy) configs, so the Runner formats the config
    text with yapf every time it logs or dumps it (three to six times a run,
    seconds each for the BRL configs). We make ``fromfile`` honour the flag;
    ``tools/train.py`` and ``tools/test.py`` pass ``False`` (the dumped
    config is the same Python, only not re-indented by yapf).
``graph_table_layouts``
    mmaction's ``Graph`` knows three layout names; we let it build every
    layout of :data:`brl_mm.layouts.LAYOUTS` (e.g. ``'nw_ucla'``) from the
    table's bone tree (:mod:`brl_mm.compat.graph_layouts`).

One module per concern: :mod:`~brl_mm.compat.mmaction_imports`,
:mod:`~brl_mm.compat.checkpoint_loading`,
:mod:`~brl_mm.compat.mmengine_config`, :mod:`~brl_mm.compat.distributed`,
:mod:`~brl_mm.compat.graph_layouts`.
"""
import os
import warnings
from typing import Callable, Dict, List

from .checkpoint_loading import (load_from_local_trusted,
                                 shim_trusted_checkpoint_loading)
from .distributed import shim_cpu_distributed
from .graph_layouts import shim_graph_table_layouts
from .mmaction_imports import shim_drn_stub, shim_multimodal_guard
from .mmengine_config import (get_installed_path, is_installed,
                              shim_config_format_flag,
                              shim_pkg_resources_free_config)

__all__ = [
    'SHIMS', 'apply_all', 'get_installed_path', 'is_installed',
    'load_from_local_trusted'
]

_APPLIED: List[str] = []


def _disabled() -> set:
    value = os.environ.get('BRL_MM_DISABLE_COMPAT', '')
    return {name.strip() for name in value.split(',') if name.strip()}


SHIMS: Dict[str, Callable[[], bool]] = {
    'drn_stub': shim_drn_stub,
    'multimodal_guard': shim_multimodal_guard,
    'trusted_checkpoint_loading': shim_trusted_checkpoint_loading,
    'pkg_resources_free_config': shim_pkg_resources_free_config,
    'cpu_distributed': shim_cpu_distributed,
    'config_format_flag': shim_config_format_flag,
    'graph_table_layouts': shim_graph_table_layouts,
}


def apply_all() -> List[str]:
    """Apply every shim not disabled by ``BRL_MM_DISABLE_COMPAT``.

    Returns:
        list[str]: Names of the shims that changed something so far.
    """
    # mmcv-lite has no compiled ops; the GCN path never needs them.
    warnings.filterwarnings(
        'ignore', message='Fail to import ``MultiScaleDeformableAttention``')
    disabled = _disabled()
    for name, shim in SHIMS.items():
        if name in _APPLIED or name in disabled or 'all' in disabled:
            continue
        if shim():
            _APPLIED.append(name)
    return list(_APPLIED)
