"""CTR-GCN backbone (Chen et al., ICCV 2021) for mmaction2 1.2.0.

"Channel-wise Topology Refinement Graph Convolution for Skeleton-Based Action
Recognition", https://arxiv.org/abs/2107.12213. mmaction2 1.2.0's pip wheel
does not ship it (only the source repository's ``projects/ctrgcn`` does).

The module tree reproduces the ``state_dict`` keys and shapes of BRL's /
PYSKL's ``CTRGCN`` exactly (``backbone.A``, ``backbone.data_bn.*``,
``backbone.net.{i}.gcn1.*``, ``backbone.net.{i}.tcn1.branches.*``,
``backbone.net.{i}.residual.*``), so released checkpoints load after the
``cls_head.fc_cls`` -> ``cls_head.fc`` rename of
:mod:`brl_mm.zoo.checkpoint_convert`.
"""
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmaction.models.utils import Graph, unit_tcn
from mmaction.registry import MODELS
from mmengine.model import BaseModule, ModuleList, Sequential

from .tcn import MultiScaleTCN

__all__ = ['CTRGC', 'UnitCTRGCN', 'CTRGCNBlock', 'CTRGCN']

_CONV_BN_INIT = [
    dict(type='Constant', layer='BatchNorm2d', val=1),
    dict(type='Kaiming', layer='Conv2d', mode='fan_out')
]


class CTRGC(BaseModule):
    """Channel-wise topology refinement graph convolution of one subset.

    For an input (N, C, T, V) it infers a channel-specific correlation of
    every joint pair from temporally pooled embeddings,
    ``conv4(tanh(q_u - k_v))``, scales it by ``alpha``, adds the shared
    topology ``A`` and aggregates the ``conv3`` features with it.

    Args:
        in_channels (int): Number of input channels.
        out_channels (int): Number of output channels.
        rel_reduction (int): Channel reduction of the relation embedding
            (8 channels at least when ``in_channels <= 16``). Defaults to 8.
        init_cfg (dict | list[dict], optional): Initialization config.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 rel_reduction: int = 8,
                 init_cfg: Optional[Union[Dict, List[Dict]]] = _CONV_BN_INIT
                 ) -> None:
        super().__init__(init_cfg=init_cfg)
        rel_channels = 8 if in_channels <= 16 else in_channels // rel_reduction
        self.rel_channels = rel_channels
        self.conv1 = nn.Conv2d(in_channels, rel_channels, 1)
        self.conv2 = nn.Conv2d(in_channels, rel_channels, 1)
        self.conv3 = nn.Conv2d(in_channels, out_channels, 1)
        self.conv4 = nn.Conv2d(rel_channels, out_channels, 1)

    def forward(self, x: torch.Tensor, A: torch.Tensor,
                alpha: torch.Tensor) -> torch.Tensor:
        """Refine ``A`` (V, V) per channel and aggregate ``x`` (N,C,T,V).

        Returns:
            torch.Tensor: (N, out_channels, T, V).
        """
        query = self.conv1(x).mean(dim=2)  # N, R, V
        key = self.conv2(x).mean(dim=2)  # N, R, V
        value = self.conv3(x)  # N, C', T, V
        relation = torch.tanh(query[..., :, None] - key[..., None, :])
        adjacency = self.conv4(relation) * alpha + A  # N, C', V(u), V(v)
        # out[n, c, t, v] = sum_u value[n, c, t, u] * adjacency[n, c, u, v]
        return torch.matmul(value, adjacency)


class UnitCTRGCN(BaseModule):
    """Spatial CTR-GCN unit: one :class:`CTRGC` per subset of ``A``.

    The learnable topology ``A`` (K, V, V) and the refinement weight
    ``alpha`` are parameters; the subset outputs are summed, normalized,
    added to a (projected) shortcut and passed through ReLU.

    Args:
        in_channels (int): Number of input channels.
        out_channels (int): Number of output channels.
        A (torch.Tensor): Initial adjacency, shape (K, V, V).
        init_cfg (dict | list[dict], optional): Initialization config.
            The default sets the output BN weight to 1e-6.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 A: torch.Tensor,
                 init_cfg: Optional[Union[Dict, List[Dict]]] = [
                     dict(
                         type='Constant',
                         layer='BatchNorm2d',
                         val=1,
                         override=dict(type='Constant', name='bn', val=1e-6)),
                     dict(type='Kaiming', layer='Conv2d', mode='fan_out')
                 ]) -> None:
        super().__init__(init_cfg=init_cfg)
        self.A = nn.Parameter(A.clone())
        self.alpha = nn.Parameter(torch.zeros(1))
        self.convs = ModuleList(
            [CTRGC(in_channels, out_channels) for _ in range(A.size(0))])
        if in_channels != out_channels:
            self.down = Sequential(
                nn.Conv2d(in_channels, out_channels, 1),
                nn.BatchNorm2d(out_channels))
        else:
            self.down = nn.Identity()
        self.bn = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C, T, V) -> (N, out_channels, T, V)."""
        out = sum(
            conv(x, A, self.alpha) for conv, A in zip(self.convs, self.A))
        return self.relu(self.bn(out) + self.down(x))


class CTRGCNBlock(BaseModule):
    """CTR-GCN block: :class:`UnitCTRGCN` + :class:`MultiScaleTCN`.

    Args:
        in_channels (int): Number of input channels.
        out_channels (int): Number of output channels.
        A (torch.Tensor): Initial adjacency, shape (K, V, V).
        stride (int): Temporal stride. Defaults to 1.
        residual (bool): Whether to add the block residual. Defaults to True.
        kernel_size (int): Temporal kernel size. Defaults to 5.
        dilations (Sequence[int]): Temporal dilations. Defaults to (1, 2).
        tcn_dropout (float): Dropout after the temporal module.
            Defaults to 0.
        init_cfg (dict | list[dict], optional): Initialization config.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 A: torch.Tensor,
                 stride: int = 1,
                 residual: bool = True,
                 kernel_size: int = 5,
                 dilations: Sequence[int] = (1, 2),
                 tcn_dropout: float = 0.,
                 init_cfg: Optional[Union[Dict, List[Dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.gcn1 = UnitCTRGCN(in_channels, out_channels, A)
        self.tcn1 = MultiScaleTCN(
            out_channels,
            out_channels,
            kernel_size=kernel_size,
            stride=stride,
            dilations=dilations,
            residual=False,
            dropout=tcn_dropout)
        # not in-place: without residual its input is tcn1's ReLU output
        self.relu = nn.ReLU()
        self.residual_mode = 'none'
        if residual:
            if in_channels == out_channels and stride == 1:
                self.residual_mode = 'identity'
            else:
                self.residual_mode = 'conv'
                self.residual = unit_tcn(
                    in_channels, out_channels, kernel_size=1, stride=stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C, T, V) -> (N, out_channels, T // stride, V)."""
        out = self.tcn1(self.gcn1(x))
        if self.residual_mode == 'identity':
            out = out + x
        elif self.residual_mode == 'conv':
            out = out + self.residual(x)
        return self.relu(out)


@MODELS.register_module()
class CTRGCN(BaseModule):
    """CTR-GCN backbone with the layout of BRL's / PYSKL's checkpoints.

    Args:
        graph_cfg (dict): Arguments of mmaction's ``Graph``, e.g.
            ``dict(layout='nturgb+d', mode='spatial')``. Every layout of
            ``brl_mm.layouts.LAYOUTS`` (e.g. ``'nw_ucla'``) works.
        in_channels (int): Number of input channels. Defaults to 3.
        base_channels (int): Channels of the first stage. Defaults to 64.
        num_stages (int): Number of CTR-GCN blocks. Defaults to 10.
        inflate_stages (Sequence[int]): Stages (1-based) that double the
            channels. Defaults to (5, 8).
        down_stages (Sequence[int]): Stages (1-based) with temporal stride
            2. Defaults to (5, 8).
        num_person (int): Number of persons M of the input (size of the
            ``data_bn`` layer, M * C * V). Defaults to 2.
        init_cfg (dict | list[dict], optional): Initialization config.
        **kwargs: Passed to every :class:`CTRGCNBlock` (``kernel_size``,
            ``dilations``, ``tcn_dropout``; the first block has no dropout).

    Example:
        >>> model = CTRGCN(graph_cfg=dict(layout='nturgb+d', mode='spatial'))
        >>> model(torch.randn(2, 2, 32, 25, 3)).shape
        torch.Size([2, 2, 256, 8, 25])
    """

    def __init__(self,
                 graph_cfg: Dict,
                 in_channels: int = 3,
                 base_channels: int = 64,
                 num_stages: int = 10,
                 inflate_stages: Sequence[int] = (5, 8),
                 down_stages: Sequence[int] = (5, 8),
                 num_person: int = 2,
                 init_cfg: Optional[Union[Dict, List[Dict]]] = None,
                 **kwargs) -> None:
        super().__init__(init_cfg=init_cfg)
        self.graph = Graph(**graph_cfg)
        A = torch.tensor(self.graph.A, dtype=torch.float32)
        self.register_buffer('A', A)
        self.in_channels = in_channels
        self.num_person = num_person
        self.num_joints = A.size(-1)
        self.data_bn = nn.BatchNorm1d(num_person * in_channels * A.size(-1))

        first_kwargs = {k: v for k, v in kwargs.items() if k != 'tcn_dropout'}
        blocks = [
            CTRGCNBlock(
                in_channels, base_channels, A, residual=False, **first_kwargs)
        ]
        channels = base_channels
        for stage in range(2, num_stages + 1):
            out_channels = channels * (2 if stage in inflate_stages else 1)
            stride = 2 if stage in down_stages else 1
            blocks.append(
                CTRGCNBlock(channels, out_channels, A, stride=stride,
                            **kwargs))
            channels = out_channels
        self.out_channels = channels
        self.net = ModuleList(blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Extract features.

        Args:
            x (torch.Tensor): Skeletons of shape (N, M, T, V, C).

        Returns:
            torch.Tensor: Features of shape (N, M, C', T', V).
        """
        x = normalize_input(x, self.data_bn, self.num_person, self.num_joints,
                            self.in_channels, type(self).__name__)
        N, M = x.shape[:2]
        x = x.flatten(0, 1)
        for block in self.net:
            x = block(x)
        return x.reshape((N, M) + x.shape[1:])


def normalize_input(x: torch.Tensor, data_bn: nn.Module, num_person: int,
                    num_joints: int, in_channels: int,
                    name: str) -> torch.Tensor:
    """Apply an ``'MVC'`` data BN to (N, M, T, V, C) skeletons.

    Args:
        x (torch.Tensor): Input of shape (N, M, T, V, C).
        data_bn (nn.Module): ``BatchNorm1d`` over M * V * C channels.
        num_person (int): Expected M.
        num_joints (int): Expected V.
        in_channels (int): Expected C.
        name (str): Backbone name used in error messages.

    Returns:
        torch.Tensor: Normalized input of shape (N, M, C, T, V).
    """
    if x.dim() != 5:
        raise ValueError(f'{name} expects input (N, M, T, V, C), got shape '
                         f'{tuple(x.shape)}.')
    N, M, T, V, C = x.shape
    if (M, V, C) != (num_person, num_joints, in_channels):
        raise ValueError(
            f'{name} was built for num_person={num_person}, '
            f'{num_joints} joints (graph layout) and in_channels='
            f'{in_channels}, but the input (N, M, T, V, C) has shape '
            f'{tuple(x.shape)}; set num_person / graph_cfg / in_channels '
            '(and FormatGCNInput(num_person=...)) to match the data.')
    x = x.permute(0, 1, 3, 4, 2).reshape(N, M * V * C, T)
    x = data_bn(x)
    return x.reshape(N, M, V, C, T).permute(0, 1, 3, 4, 2).contiguous()
