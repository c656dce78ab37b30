"""The one table of skeleton layouts that every layout-dependent part reads.

Each :class:`SkeletonLayout` entry holds, for one joint convention, the joint
count, the coordinate dims and whether the data carry a score channel, the
bone tree (``parents``, the same edges as mmaction's ``Graph``), BRL's skip
pairs, the left/right flip permutation, the lower-body joints that the
rebalanced partial mixup swaps, and whether mmaction2 1.2.0 itself knows the
layout (its ``Graph`` and ``JointToBone``). Adding a layout is one entry in
:data:`LAYOUTS` (its graph comes from the entry's bone tree through the
``graph_table_layouts`` compat shim); :func:`get_layout` is the only lookup
the rest of the package uses.

Layout names follow mmaction2 (``'nturgb+d'``, ``'coco'``, ``'openpose'``)
plus ``'nw_ucla'`` (Kinect v1, 20 joints).
"""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple, Union

import numpy as np

__all__ = ['LAYOUTS', 'SkeletonLayout', 'get_layout', 'layout_from_args']


@dataclass(frozen=True)
class SkeletonLayout:
    """Static description of one skeleton joint convention.

    Args:
        name (str): Layout name, as used by mmaction's ``Graph`` and
            ``GenSkeFeat`` (``dataset=``).
        num_joints (int): Number of joints ``V``.
        center (int): Root joint of the bone tree (mmaction ``Graph.center``).
        parents (tuple[int]): ``parents[v]`` is the joint that ``v`` hangs
            from; ``parents[center] == center``. The edges ``(v, parents[v])``
            are exactly mmaction's ``Graph`` inward edges.
        skip_pairs (tuple[int]): ``skip_pairs[v]`` is the partner of ``v`` for
            BRL's skip-modal feature ``k[v] = x[v] - x[skip_pairs[v]]``.
        flip_index (tuple[int]): Left/right permutation of the joint indices
            (an involution).
        lower_body (tuple[int]): Joints that the partial mixup takes from the
            partner sample; the rest form the upper body.
        coord_dims (int): Coordinate dims of the keypoints: 3 for depth
            sensors (x, y, z), 2 for image-plane poses (x, y). Defaults to 3.
        has_score (bool): Whether the data carry a per-joint confidence
            (``keypoint_score``), as pose estimators' 2D outputs do.
            Defaults to False.
        in_mmaction (bool): Whether mmaction2 1.2.0's ``Graph`` and
            ``JointToBone`` know the layout name themselves; the others reach
            them through brl_mm. Defaults to False.
        joint_names (tuple[str]): Human-readable joint names, for messages.
    """

    name: str
    num_joints: int
    center: int
    parents: Tuple[int, ...]
    skip_pairs: Tuple[int, ...]
    flip_index: Tuple[int, ...]
    lower_body: Tuple[int, ...]
    coord_dims: int = 3
    has_score: bool = False
    in_mmaction: bool = False
    joint_names: Tuple[str, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        V = self.num_joints
        for attr in ('parents', 'skip_pairs', 'flip_index'):
            value = getattr(self, attr)
            if len(value) != V or not all(0 <= i < V for i in value):
                raise ValueError(f'layout {self.name!r}: {attr} must list '
                                 f'{V} joint indices in [0, {V}), got {value}')
        if sorted(self.flip_index) != list(range(V)):
            raise ValueError(
                f'layout {self.name!r}: flip_index is not a permutation')
        if self.parents[self.center] != self.center:
            raise ValueError(
                f'layout {self.name!r}: the center joint must be its own parent')
        if self.coord_dims not in (2, 3):
            raise ValueError(f'layout {self.name!r}: coord_dims must be 2 or '
                             f'3, got {self.coord_dims}')
        if self.joint_names and len(self.joint_names) != V:
            raise ValueError(
                f'layout {self.name!r}: {len(self.joint_names)} joint names '
                f'for {V} joints')

    @property
    def upper_body(self) -> Tuple[int, ...]:
        """Joints that are not in :attr:`lower_body`, in index order."""
        lower = set(self.lower_body)
        return tuple(v for v in range(self.num_joints) if v not in lower)

    @property
    def upper_share(self) -> float:
        """Share of upper-body joints, BRL's default mixup alpha (0.64 on
        NTU-25)."""
        return len(self.upper_body) / self.num_joints

    @property
    def inward_edges(self) -> List[Tuple[int, int]]:
        """``(child, parent)`` bone edges, as mmaction's ``Graph.inward``."""
        return [(v, p) for v, p in enumerate(self.parents) if v != p]

    def graph_layout(self) -> Dict:
        """The dict form that mmaction's ``Graph(layout=...)`` accepts."""
        return dict(
            num_node=self.num_joints,
            inward=self.inward_edges,
            center=self.center)

    def lower_body_mask(self) -> np.ndarray:
        """Boolean mask of shape ``(V,)``, True on lower-body joints."""
        mask = np.zeros(self.num_joints, dtype=bool)
        mask[list(self.lower_body)] = True
        return mask

    def depth(self) -> np.ndarray:
        """Number of bones between each joint and :attr:`center`."""
        depth = np.zeros(self.num_joints, dtype=np.int64)
        for v in range(self.num_joints):
            u = v
            while u != self.parents[u]:
                u = self.parents[u]
                depth[v] += 1
        return depth


def _from_edges(num_joints: int, center: int,
                edges: List[Tuple[int, int]]) -> Tuple[int, ...]:
    """Turn ``(child, parent)`` edges into a parents tuple."""
    parents = list(range(num_joints))
    for child, parent in edges:
        parents[child] = parent
    return tuple(parents)


_NTU_NAMES = (
    'spine_base', 'spine_mid', 'neck', 'head', 'left_shoulder', 'left_elbow',
    'left_wrist', 'left_hand', 'right_shoulder', 'right_elbow', 'right_wrist',
    'right_hand', 'left_hip', 'left_knee', 'left_ankle', 'left_foot',
    'right_hip', 'right_knee', 'right_ankle', 'right_foot', 'spine_shoulder',
    'left_hand_tip', 'left_thumb', 'right_hand_tip', 'right_thumb')

_COCO_NAMES = ('nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear',
               'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow',
               'left_wrist', 'right_wrist', 'left_hip', 'right_hip',
               'left_knee', 'right_knee', 'left_ankle', 'right_ankle')

_OPENPOSE_NAMES = ('nose', 'neck', 'right_shoulder', 'right_elbow',
                   'right_wrist', 'left_shoulder', 'left_elbow', 'left_wrist',
                   'right_hip', 'right_knee', 'right_ankle', 'left_hip',
                   'left_knee', 'left_ankle', 'right_eye', 'left_eye',
                   'right_ear', 'left_ear')

_NW_UCLA_NAMES = _NTU_NAMES[:20]

LAYOUTS: Dict[str, SkeletonLayout] = {
    'nturgb+d':
    SkeletonLayout(
        name='nturgb+d',
        num_joints=25,
        center=20,
        parents=_from_edges(25, 20, [
            (0, 1), (1, 20), (2, 20), (3, 2), (4, 20), (5, 4), (6, 5), (7, 6),
            (8, 20), (9, 8), (10, 9), (11, 10), (12, 0), (13, 12), (14, 13),
            (15, 14), (16, 0), (17, 16), (18, 17), (19, 18), (21, 7),
            (22, 7), (23, 11), (24, 11)
        ]),
        skip_pairs=(20, 1, 2, 20, 4, 20, 4, 5, 8, 20, 8, 9, 1, 0, 12, 13, 1,
                    0, 16, 17, 20, 7, 6, 11, 10),
        flip_index=(0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 16, 17, 18, 19, 12,
                    13, 14, 15, 20, 23, 24, 21, 22),
        lower_body=(0, 12, 13, 14, 15, 16, 17, 18, 19),
        coord_dims=3,
        has_score=False,
        in_mmaction=True,
        joint_names=_NTU_NAMES),
    'nw_ucla':
    SkeletonLayout(
        name='nw_ucla',
        num_joints=20,
        center=2,
        parents=_from_edges(20, 2, [
            (0, 1), (1, 2), (3, 2), (4, 2), (5, 4), (6, 5), (7, 6), (8, 2),
            (9, 8), (10, 9), (11, 10), (12, 0), (13, 12), (14, 13), (15, 14),
            (16, 0), (17, 16), (18, 17), (19, 18)
        ]),
        skip_pairs=(2, 1, 2, 3, 4, 2, 4, 5, 8, 2, 8, 9, 1, 0, 12, 13, 1, 0,
                    16, 17),
        flip_index=(0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 16, 17, 18, 19, 12,
                    13, 14, 15),
        lower_body=(0, 12, 13, 14, 15, 16, 17, 18, 19),
        coord_dims=3,
        has_score=False,
        in_mmaction=False,
        joint_names=_NW_UCLA_NAMES),
    'coco':
    SkeletonLayout(
        name='coco',
        num_joints=17,
        center=0,
        parents=_from_edges(17, 0, [(15, 13), (13, 11), (16, 14), (14, 12),
                                    (11, 5), (12, 6), (9, 7), (7, 5), (10, 8),
                                    (8, 6), (5, 0), (6, 0), (1, 0), (3, 1),
                                    (2, 0), (4, 2)]),
        skip_pairs=(0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 6, 0, 0, 0, 0, 11, 12),
        flip_index=(0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15),
        lower_body=(11, 12, 13, 14, 15, 16),
        coord_dims=2,
        has_score=True,
        in_mmaction=True,
        joint_names=_COCO_NAMES),
    'openpose':
    SkeletonLayout(
        name='openpose',
        num_joints=18,
        center=1,
        parents=_from_edges(18, 1, [(4, 3), (3, 2), (7, 6), (6, 5), (13, 12),
                                    (12, 11), (10, 9), (9, 8), (11, 5),
                                    (8, 2), (5, 1), (2, 1), (0, 1), (15, 0),
                                    (14, 0), (17, 15), (16, 14)]),
        skip_pairs=(0, 0, 0, 1, 2, 0, 1, 5, 1, 2, 8, 1, 5, 11, 0, 0, 0, 0),
        flip_index=(0, 1, 5, 6, 7, 2, 3, 4, 11, 12, 13, 8, 9, 10, 15, 14, 17,
                    16),
        lower_body=(8, 9, 10, 11, 12, 13),
        coord_dims=2,
        has_score=True,
        in_mmaction=True,
        joint_names=_OPENPOSE_NAMES),
}


def get_layout(name: Union[str, 'SkeletonLayout']) -> SkeletonLayout:
    """Look a layout up by name.

    Args:
        name (str | SkeletonLayout): One of :data:`LAYOUTS` (``'nturgb+d'``,
            ``'nw_ucla'``, ``'coco'``, ``'openpose'``), or an entry (returned
            as is).

    Returns:
        SkeletonLayout: The layout entry.
    """
    if isinstance(name, SkeletonLayout):
        return name
    if not isinstance(name, str):
        raise TypeError(f'a skeleton layout is a name (str), got {name!r}; '
                        f'known layouts: {sorted(LAYOUTS)}')
    try:
        return LAYOUTS[name]
    except KeyError:
        raise KeyError(f'unknown skeleton layout {name!r}; known layouts: '
                       f'{sorted(LAYOUTS)}. Add an entry to '
                       'brl_mm.layouts.LAYOUTS for a new one.'
                       ) from None


def layout_from_args(layout: Optional[str],
                     dataset: Optional[str] = None,
                     owner: str = 'transform',
                     default: str = 'nturgb+d') -> SkeletonLayout:
    """The layout of a component that takes ``layout=`` and, like mmaction's
    ``GenSkeFeat``, ``dataset=`` as an alias.

    Args:
        layout (str, optional): The ``layout=`` argument.
        dataset (str, optional): mmaction's alias ``dataset=``.
        owner (str): The component, for the error message.
        default (str): The layout when neither is given.

    Returns:
        SkeletonLayout: The entry.
    """
    if layout is not None and dataset is not None and (
            get_layout(layout).name != get_layout(dataset).name):
        raise ValueError(
            f'{owner}: layout={layout!r} and its alias dataset={dataset!r} '
            'name different layouts; give only one of them.')
    for name in (layout, dataset):
        if name is not None:
            return get_layout(name)
    return get_layout(default)
