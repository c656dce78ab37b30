"""Multi-branch temporal convolution shared by CTR-GCN and MS-G3D.

The module tree (``branches.{i}.{j}`` and ``residual``) reproduces the
parameter layout of the original CTR-GCN / MS-G3D code as used by BRL and
PYSKL, so their checkpoints load without renaming.
"""
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmaction.models.utils import unit_tcn
from mmengine.model import BaseModule, ModuleList, Sequential

_DEFAULT_INIT = [
    dict(type='Constant', layer='BatchNorm2d', val=1),
    dict(type='Kaiming', layer='Conv2d', mode='fan_out')
]


class MultiScaleTCN(BaseModule):
    """Temporal convolution with dilated, max-pool and 1x1 branches.

    The output channels are split evenly over ``len(dilations) + 2``
    branches (the 1x1 branch takes the remainder): one ``kernel_size`` x 1
    temporal convolution per dilation, a 3 x 1 max-pool branch and a strided
    1x1 branch. Their concatenation is added to the residual, then
    ``act`` (ReLU or identity) and dropout are applied.

    Args:
        in_channels (int): Number of input channels.
        out_channels (int): Number of output channels.
        kernel_size (int | Sequence[int]): Temporal kernel size, one for
            every dilation or a single value. Defaults to 3.
        stride (int): Temporal stride. Defaults to 1.
        dilations (Sequence[int]): Temporal dilations of the convolution
            branches. Defaults to ``(1, 2, 3, 4)``.
        residual (bool): Whether to add a residual path (identity when the
            shape is kept, a strided 1x1 ``unit_tcn`` otherwise).
            Defaults to True.
        act (bool): Whether to apply ReLU after the residual sum.
            Defaults to True.
        dropout (float): Dropout probability of the output. Defaults to 0.
        init_cfg (dict | list[dict], optional): Initialization config.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: Union[int, Sequence[int]] = 3,
                 stride: int = 1,
                 dilations: Sequence[int] = (1, 2, 3, 4),
                 residual: bool = True,
                 act: bool = True,
                 dropout: float = 0.,
                 init_cfg: Optional[Union[Dict, List[Dict]]] = _DEFAULT_INIT
                 ) -> None:
        super().__init__(init_cfg=init_cfg)
        num_branches = len(dilations) + 2
        branch = out_channels // num_branches
        if branch < 1:
            raise ValueError(
                f'MultiScaleTCN: out_channels={out_channels} is smaller than '
                f'the number of branches ({num_branches} = len(dilations) + '
                '2); use more channels or fewer dilations.')
        last = out_channels - branch * (num_branches - 1)
        if isinstance(kernel_size, int):
            kernel_size = [kernel_size] * len(dilations)
        if len(kernel_size) != len(dilations):
            raise ValueError(
                f'MultiScaleTCN: got {len(kernel_size)} kernel sizes for '
                f'{len(dilations)} dilations; give one per dilation or an '
                'int.')

        def squeeze(channels: int, conv_stride: int = 1) -> List[nn.Module]:
            return [
                nn.Conv2d(in_channels, channels, 1, stride=(conv_stride, 1)),
                nn.BatchNorm2d(channels)
            ]

        branches = [
            Sequential(*squeeze(branch), nn.ReLU(inplace=True),
                       unit_tcn(branch, branch, ks, stride, dilation))
            for ks, dilation in zip(kernel_size, dilations)
        ]
        branches.append(
            Sequential(*squeeze(branch), nn.ReLU(inplace=True),
                       nn.MaxPool2d((3, 1), (stride, 1), (1, 0)),
                       nn.BatchNorm2d(branch)))
        branches.append(Sequential(*squeeze(last, stride)))
        self.branches = ModuleList(branches)

        self.residual_mode = 'none'
        if residual:
            if in_channels == out_channels and stride == 1:
                self.residual_mode = 'identity'
            else:
                self.residual_mode = 'conv'
                self.residual = unit_tcn(
                    in_channels, out_channels, kernel_size=1, stride=stride)
        self.act = nn.ReLU(inplace=True) if act else nn.Identity()
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the branches to ``x`` of shape (N, C, T, V)."""
        out = torch.cat([branch(x) for branch in self.branches], dim=1)
        if self.residual_mode == 'identity':
            out = out + x
        elif self.residual_mode == 'conv':
            out = out + self.residual(x)
        return self.drop(self.act(out))
