"""MS-G3D backbone (Liu et al., CVPR 2020) for mmaction2 1.2.0.

"Disentangling and Unifying Graph Convolutions for Skeleton-Based Action
Recognition", https://arxiv.org/abs/2003.14111. mmaction2 1.2.0's pip wheel
does not ship it (only the source repository's ``projects/msg3d`` does).

The module tree reproduces the ``state_dict`` keys and shapes of BRL's /
PYSKL's ``MSG3D`` exactly (``backbone.A``, ``backbone.data_bn.*``,
``backbone.gcn3d{1,2,3}.gcn3d.{w}.*``, ``backbone.sgcn{1,2,3}.{0,1,2}.*``,
``backbone.tcn{1,2,3}.*``), so released checkpoints load after the
``cls_head.fc_cls`` -> ``cls_head.fc`` rename of
:mod:`brl_mm.zoo.checkpoint_convert`.
"""
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmaction.models.utils import Graph
from mmaction.models.utils.graph import k_adjacency, normalize_digraph
from mmaction.registry import MODELS
from mmengine.model import BaseModule, ModuleList, Sequential

from .ctrgcn import normalize_input
from .tcn import MultiScaleTCN

__all__ = [
    'multiscale_adjacency', 'GraphMLP', 'MultiScaleGraphConv',
    'UnfoldTemporalWindows', 'G3DWindowBlock', 'MultiWindowG3D', 'MSG3D'
]


def multiscale_adjacency(adjacency: np.ndarray,
                         num_scales: int) -> np.ndarray:
    """Disentangled multi-scale adjacency of MS-G3D.

    Scale ``k`` connects every node to the nodes exactly ``k`` hops away
    (plus itself); each scale is column-normalized.

    Args:
        adjacency (np.ndarray): Binary adjacency (V, V) without self-loops.
        num_scales (int): Number of scales K (hops 0 .. K-1).

    Returns:
        np.ndarray: Array of shape (K, V, V).
    """
    return np.stack([
        normalize_digraph(k_adjacency(adjacency, k, with_self=True))
        for k in range(num_scales)
    ])


class GraphMLP(BaseModule):
    """1x1 convolution + BN + ReLU, stored as ``layers.{0,1,2}``.

    Args:
        in_channels (int): Number of input channels.
        out_channels (int): Number of output channels.
        init_cfg (dict | list[dict], optional): Initialization config.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 init_cfg: Optional[Union[Dict, List[Dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.layers = Sequential(
            nn.Conv2d(in_channels, out_channels, 1),
            nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C, T, V) -> (N, out_channels, T, V)."""
        return self.layers(x)


class MultiScaleGraphConv(BaseModule):
    """Multi-scale graph convolution with a learnable residual mask.

    The fixed scales ``A`` (buffer, K x V x V) plus the learned ``PA``
    (parameter, initialized near 0) aggregate the input at every scale; the
    K aggregated copies are stacked along channels and mixed by a
    :class:`GraphMLP`.

    Args:
        in_channels (int): Number of input channels.
        out_channels (int): Number of output channels.
        adjacency (np.ndarray): Multi-scale adjacency (K, V, V).
        init_cfg (dict | list[dict], optional): Initialization config.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 adjacency: np.ndarray,
                 init_cfg: Optional[Union[Dict, List[Dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        A = torch.as_tensor(adjacency, dtype=torch.float32)
        self.num_scales = A.size(0)
        self.register_buffer('A', A)
        self.PA = nn.Parameter(torch.empty_like(A).uniform_(-1e-6, 1e-6))
        self.mlp = GraphMLP(in_channels * self.num_scales, out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C, T, V) -> (N, out_channels, T, V)."""
        N, C, T, V = x.shape
        A = self.A + self.PA
        # support[n, k, c, t, u] = sum_v A[k, v, u] * x[n, c, t, v]
        support = torch.einsum('kvu,nctv->nkctu', A, x)
        return self.mlp(support.reshape(N, self.num_scales * C, T, V))


class UnfoldTemporalWindows(nn.Module):
    """Gather sliding temporal windows into the joint axis.

    (N, C, T, V) -> (N, C, T', W * V), where window ``t'`` holds frames
    ``t' * stride + (0 .. W-1) * dilation`` (zero-padded, centred).

    Args:
        window_size (int): Window length W.
        window_stride (int): Temporal stride between windows.
        window_dilation (int): Temporal dilation inside a window.
    """

    def __init__(self, window_size: int, window_stride: int,
                 window_dilation: int = 1) -> None:
        super().__init__()
        self.window_size = window_size
        self.window_stride = window_stride
        self.window_dilation = window_dilation
        self.padding = (window_size - 1) * window_dilation // 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Unfold the windows (see class docstring)."""
        N, C, T, V = x.shape
        windows = F.unfold(
            x,
            kernel_size=(self.window_size, 1),
            dilation=(self.window_dilation, 1),
            stride=(self.window_stride, 1),
            padding=(self.padding, 0))  # N, C * W, T' * V
        windows = windows.reshape(N, C, self.window_size, -1, V)
        return windows.permute(0, 1, 3, 2, 4).reshape(
            N, C, -1, self.window_size * V)


class G3DWindowBlock(BaseModule):
    """Unified spatial-temporal graph convolution over one window size.

    The windows are treated as one graph of W * V nodes (the spatial
    adjacency with self-loops tiled W x W), convolved at ``num_scales``
    scales, and collapsed back to V joints by a (1, W, 1) convolution.

    Args:
        in_channels (int): Number of input channels.
        out_channels (int): Number of output channels.
        adjacency (np.ndarray): Binary spatial adjacency (V, V).
        num_scales (int): Number of graph scales.
        window_size (int): Temporal window length W.
        window_stride (int): Temporal stride.
        window_dilation (int): Temporal dilation. Defaults to 1.
        embed_first (bool): Change the channels in the graph convolution
            (True for the block fed with the raw input) instead of in the
            collapsing convolution. Defaults to False.
        init_cfg (dict | list[dict], optional): Initialization config.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 adjacency: np.ndarray,
                 num_scales: int,
                 window_size: int,
                 window_stride: int,
                 window_dilation: int = 1,
                 embed_first: bool = False,
                 init_cfg: Optional[Union[Dict, List[Dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.window_size = window_size
        self.embed_channels = out_channels if embed_first else in_channels
        V = adjacency.shape[-1]
        st_graph = np.tile(adjacency + np.eye(V, dtype=adjacency.dtype),
                           (window_size, window_size))
        self.gcn3d = Sequential(
            UnfoldTemporalWindows(window_size, window_stride,
                                  window_dilation),
            MultiScaleGraphConv(in_channels, self.embed_channels,
                                multiscale_adjacency(st_graph, num_scales)))
        self.out_conv = nn.Conv3d(
            self.embed_channels, out_channels, kernel_size=(1, window_size, 1))
        self.out_bn = nn.BatchNorm2d(out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C, T, V) -> (N, out_channels, T', V), no activation."""
        N, _, _, V = x.shape
        x = self.gcn3d(x)  # N, C', T', W * V
        x = x.reshape(N, self.embed_channels, -1, self.window_size, V)
        return self.out_bn(self.out_conv(x).squeeze(3))


class MultiWindowG3D(BaseModule):
    """Sum of :class:`G3DWindowBlock` over several window sizes.

    Args:
        in_channels (int): Number of input channels.
        out_channels (int): Number of output channels.
        adjacency (np.ndarray): Binary spatial adjacency (V, V).
        num_scales (int): Number of graph scales.
        window_sizes (Sequence[int]): Window lengths. Defaults to (3, 5).
        window_stride (int): Temporal stride. Defaults to 1.
        window_dilations (Sequence[int]): One dilation per window size.
            Defaults to (1, 1).
        embed_first (bool): See :class:`G3DWindowBlock`. Defaults to False.
        init_cfg (dict | list[dict], optional): Initialization config.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 adjacency: np.ndarray,
                 num_scales: int,
                 window_sizes: Sequence[int] = (3, 5),
                 window_stride: int = 1,
                 window_dilations: Sequence[int] = (1, 1),
                 embed_first: bool = False,
                 init_cfg: Optional[Union[Dict, List[Dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if len(window_sizes) != len(window_dilations):
            raise ValueError('MultiWindowG3D: give one window dilation per '
                             f'window size, got {window_sizes} and '
                             f'{window_dilations}.')
        self.gcn3d = ModuleList([
            G3DWindowBlock(in_channels, out_channels, adjacency, num_scales,
                           size, window_stride, dilation, embed_first)
            for size, dilation in zip(window_sizes, window_dilations)
        ])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C, T, V) -> (N, out_channels, T', V)."""
        return sum(block(x) for block in self.gcn3d)


@MODELS.register_module()
class MSG3D(BaseModule):
    """MS-G3D backbone with the layout of BRL's / PYSKL's checkpoints.

    Three stages, each ``relu(sgcn(x) + gcn3d(x))`` followed by a
    :class:`MultiScaleTCN`; channels ``base, 2 * base, 4 * base``, temporal
    stride 2 in stages 2 and 3. The output has ``4 * base_channels``
    channels (384 by default: use ``GCNHead(in_channels=384)``).

    Args:
        graph_cfg (dict): Arguments of mmaction's ``Graph``; the mode must
            give one binary adjacency, i.e. ``mode='binary_adj'``. Every
            layout of ``brl_mm.layouts.LAYOUTS`` works.
        in_channels (int): Number of input channels. Defaults to 3.
        base_channels (int): Channels of the first stage. Defaults to 96.
        num_gcn_scales (int): Scales of the spatial pathway. Defaults to 13.
        num_g3d_scales (int): Scales of the G3D pathway. Defaults to 6.
        num_person (int): Number of persons M of the input (size of the
            ``data_bn`` layer, M * C * V). Defaults to 2.
        tcn_dropout (float): Dropout of the stage-final temporal modules.
            Defaults to 0.
        init_cfg (dict | list[dict], optional): Initialization config.

    Example:
        >>> model = MSG3D(graph_cfg=dict(layout='nturgb+d',
        ...                              mode='binary_adj'))
        >>> model(torch.randn(2, 2, 32, 25, 3)).shape
        torch.Size([2, 2, 384, 8, 25])
    """

    def __init__(self,
                 graph_cfg: Dict,
                 in_channels: int = 3,
                 base_channels: int = 96,
                 num_gcn_scales: int = 13,
                 num_g3d_scales: int = 6,
                 num_person: int = 2,
                 tcn_dropout: float = 0.,
                 init_cfg: Optional[Union[Dict, List[Dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.graph = Graph(**graph_cfg)
        if self.graph.A.shape[0] != 1:
            raise ValueError(
                'MSG3D needs a single binary adjacency: use '
                "graph_cfg=dict(layout=..., mode='binary_adj'), got mode="
                f'{self.graph.mode!r} with {self.graph.A.shape[0]} subsets.')
        adjacency = np.asarray(self.graph.A[0], dtype=np.float32)
        self.register_buffer('A', torch.from_numpy(adjacency.copy()))
        self.in_channels = in_channels
        self.num_person = num_person
        self.num_joints = adjacency.shape[0]
        self.data_bn = nn.BatchNorm1d(num_person * in_channels *
                                      self.num_joints)
        gcn_scales = multiscale_adjacency(adjacency, num_gcn_scales)
        c1, c2, c3 = base_channels, base_channels * 2, base_channels * 4
        self.out_channels = c3

        def stage(index: int, cin: int, cout: int, stride: int) -> None:
            # sgcn: spatial multi-scale GCN at `cin`, then two temporal
            # modules (the first changes channels / stride, the last has no
            # activation because the pathway sum is activated).
            setattr(
                self, f'gcn3d{index}',
                MultiWindowG3D(
                    cin,
                    cout,
                    adjacency,
                    num_g3d_scales,
                    window_stride=stride,
                    embed_first=index == 1))
            gcn_out = cout if index == 1 else cin
            setattr(
                self, f'sgcn{index}',
                Sequential(
                    MultiScaleGraphConv(cin, gcn_out, gcn_scales),
                    MultiScaleTCN(gcn_out, cout, stride=stride),
                    MultiScaleTCN(cout, cout, act=False)))
            setattr(self, f'tcn{index}',
                    MultiScaleTCN(cout, cout, dropout=tcn_dropout))

        stage(1, in_channels, c1, 1)
        stage(2, c1, c2, 2)
        stage(3, c2, c3, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Extract features.

        Args:
            x (torch.Tensor): Skeletons of shape (N, M, T, V, C).

        Returns:
            torch.Tensor: Features of shape (N, M, 4 * base_channels, T', V).
        """
        x = normalize_input(x, self.data_bn, self.num_person, self.num_joints,
                            self.in_channels, type(self).__name__)
        N, M = x.shape[:2]
        x = x.flatten(0, 1)
        for sgcn, gcn3d, tcn in ((self.sgcn1, self.gcn3d1, self.tcn1),
                                 (self.sgcn2, self.gcn3d2, self.tcn2),
                                 (self.sgcn3, self.gcn3d3, self.tcn3)):
            x = tcn(F.relu(sgcn(x) + gcn3d(x)))
        return x.reshape((N, M) + x.shape[1:])
