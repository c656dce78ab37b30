"""BRL's skip-modal skeleton features (spec section 3) beside mmaction's.

* :class:`JointToSkip` - ``k[v] = x[v] - x[pair(v)]``, the "skip bone" from a
  joint to the joint two steps away, with the pairs of the layout table
  (:attr:`brl_mm.layouts.SkeletonLayout.skip_pairs`).
* :class:`GenSkeFeatK` - a drop-in for mmaction's ``GenSkeFeat`` that also
  knows ``k`` (skip) and ``km`` (skip motion): ``feats`` may combine
  ``'j'``, ``'b'``, ``'k'``, ``'jm'``, ``'bm'``, ``'km'`` in any order.

``GenSkeFeatK`` builds the same chain of operations as ``GenSkeFeat``
(mmaction's own ``JointToBone``, ``ToMotion``, ``KeyMapper`` and
``MergeSkeFeat``), so for ``j`` / ``b`` / ``jm`` / ``bm`` it gives the very
same arrays, dtypes and result keys; ``k`` and ``km`` follow the same rules:

* computed on every frame of the sequence, so place it where ``GenSkeFeat``
  goes: after ``PreNormalize3D`` / the STAE augmentations and before
  ``UniformSampleFrames`` / ``PoseDecode``;
* ``k`` is float32 like mmaction's bones; a pair ``(v, v)`` gives zeros;
* 2D keypoints with ``keypoint_score`` (``'coco'``, ``'openpose'``): the
  score is appended as a third channel first, and the score channel of
  ``k[v]`` is the mean of the scores of ``v`` and ``pair(v)``, as mmaction
  does for bones;
* ``km`` is mmaction's ``ToMotion`` of ``k``: ``km[t] = k[t + 1] - k[t]``,
  last frame 0 (with scores: the mean score of the two frames);
* features are concatenated along ``axis`` in the order of ``feats``.

``'nw_ucla'`` (not an mmaction dataset) is supported too; its bones ``b``
hang each joint from its parent in the layout table.
"""
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmcv.transforms import BaseTransform, Compose, KeyMapper
from mmaction.datasets.transforms import JointToBone, MergeSkeFeat, ToMotion
from mmaction.registry import TRANSFORMS

from ...layouts import LAYOUTS, layout_from_args

__all__ = ['JointToSkip', 'GenSkeFeatK', 'pair_difference', 'SKELETON_FEATS']

#: Every feature name :class:`GenSkeFeatK` understands.
SKELETON_FEATS = ('j', 'b', 'k', 'jm', 'bm', 'km')

def pair_difference(keypoint: np.ndarray, pairs: Sequence[int],
                    score_channel: bool) -> np.ndarray:
    """``out[..., v, :] = keypoint[..., v, :] - keypoint[..., pairs[v], :]``.

    Args:
        keypoint (np.ndarray): Keypoints of shape ``(M, T, V, C)``.
        pairs (Sequence[int]): Partner joint of each of the ``V`` joints.
        score_channel (bool): Whether channel 2 is a detection score; it then
            becomes the mean of the two joints' scores instead of a
            difference (mmaction's ``JointToBone`` rule).

    Returns:
        np.ndarray: float32 array of the shape of ``keypoint``.
    """
    pairs = np.asarray(pairs, dtype=np.int64)
    partner = keypoint[..., pairs, :]
    out = (keypoint - partner).astype(np.float32)
    if score_channel:
        out[..., 2] = (keypoint[..., 2] + partner[..., 2]) / 2
    return out


@TRANSFORMS.register_module()
class JointToSkip(BaseTransform):
    """Convert joints to BRL's skip bones, ``k[v] = x[v] - x[pair(v)]``.

    The counterpart of mmaction's ``JointToBone`` for the skip-modal stream;
    same arguments, dtype (float32) and score rule.

    Required Keys:

        - keypoint

    Added Keys:

        - ``target`` (``keypoint`` by default, i.e. modified in place)

    Args:
        layout (str): Skeleton layout (``'nturgb+d'``, ``'nw_ucla'``,
            ``'coco'``, ``'openpose'``; see
            :data:`brl_mm.layouts.LAYOUTS`). Defaults to
            ``'nturgb+d'``.
        target (str): Key to write the skip bones to. Defaults to
            ``'keypoint'``.
        pairs (Sequence[int], optional): Partner of each joint, overriding
            the layout's ``skip_pairs`` (e.g. the layout's ``parents`` give
            plain bones). Defaults to None.
        dataset (str, optional): Alias of ``layout``, the name mmaction's
            ``JointToBone`` uses.
    """

    def __init__(self,
                 layout: Optional[str] = None,
                 target: str = 'keypoint',
                 pairs: Optional[Sequence[int]] = None,
                 dataset: Optional[str] = None) -> None:
        layout = layout_from_args(layout, dataset, 'JointToSkip')
        self.layout = self.dataset = layout.name
        self.has_score = layout.has_score
        self.target = target
        if pairs is None:
            pairs = layout.skip_pairs
        pairs = tuple(int(p) for p in pairs)
        if len(pairs) != layout.num_joints or not all(
                0 <= p < layout.num_joints for p in pairs):
            raise ValueError(
                f'JointToSkip: pairs must give one partner in [0, '
                f'{layout.num_joints}) for each of the {layout.num_joints} '
                f'joints of {self.dataset!r}, got {pairs}')
        self.pairs = pairs
        self.num_joints = layout.num_joints

    def transform(self, results: Dict) -> Dict:
        """Write the skip bones of ``results['keypoint']`` to ``target``.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        keypoint = results['keypoint']
        if not isinstance(keypoint, np.ndarray) or keypoint.ndim != 4:
            shape = getattr(keypoint, 'shape', type(keypoint).__name__)
            raise ValueError(
                'JointToSkip expects results["keypoint"] of shape (M, T, V, '
                f'C), got {shape}; place it before FormatGCNInput.')
        M, T, V, C = keypoint.shape
        if V != self.num_joints:
            raise ValueError(
                f'JointToSkip(layout={self.layout!r}) expects '
                f'{self.num_joints} joints, got keypoints with {V}; set '
                "layout= to the data's skeleton layout.")
        if C not in (2, 3):
            raise ValueError(f'JointToSkip expects 2 or 3 channels, got {C}')
        score_channel = C == 3 and self.has_score
        results[self.target] = pair_difference(keypoint, self.pairs,
                                               score_channel)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(layout={self.layout}, '
                f'target={self.target})')


@TRANSFORMS.register_module()
class GenSkeFeatK(BaseTransform):
    """mmaction's ``GenSkeFeat`` plus BRL's skip-modal ``k`` and ``km``.

    A drop-in replacement: ``dict(type='GenSkeFeatK', dataset=layout,
    feats=['k'])`` trains the skip stream, ``feats=['j', 'k']`` stacks joints
    and skip bones along the channel axis, and ``j`` / ``b`` / ``jm`` /
    ``bm`` give exactly what ``GenSkeFeat`` gives (same operations, dtypes
    and leftover keys). See the module docstring for the rules.

    Required Keys:

        - keypoint
        - keypoint_score (optional, 2D layouts only)

    Modified Keys:

        - keypoint (the features, concatenated along ``axis``)

    Args:
        layout (str): Skeleton layout: ``'nturgb+d'``, ``'nw_ucla'``,
            ``'coco'`` or ``'openpose'``. Defaults to ``'nturgb+d'``.
        feats (list[str]): Features among ``j``, ``b``, ``k``, ``jm``,
            ``bm``, ``km``, in output order. Defaults to ``['j']``.
        axis (int): Axis along which the features are joined. Defaults
            to -1.
        dataset (str, optional): Alias of ``layout``, the name mmaction's
            ``GenSkeFeat`` uses (``dict(type='GenSkeFeatK', dataset=...)``
            is a drop-in replacement of ``GenSkeFeat``).
    """

    def __init__(self,
                 layout: Optional[str] = None,
                 feats: List[str] = ['j'],
                 axis: int = -1,
                 dataset: Optional[str] = None) -> None:
        layout = layout_from_args(layout, dataset, 'GenSkeFeatK')
        if isinstance(feats, str):
            raise TypeError(f"GenSkeFeatK: feats must be a list such as "
                            f"['{feats}'], got the string {feats!r}")
        unknown = [f for f in feats if f not in SKELETON_FEATS]
        if unknown or not feats:
            raise ValueError(f'GenSkeFeatK: unknown feats {unknown}; choose '
                             f'a non-empty list among {list(SKELETON_FEATS)}')
        self.layout = self.dataset = layout.name
        self.has_score = layout.has_score
        self.feats = list(feats)
        self.axis = axis
        self.num_joints = layout.num_joints
        ops = []
        if 'b' in feats or 'bm' in feats:
            if layout.in_mmaction:
                ops.append(JointToBone(dataset=self.layout, target='b'))
            else:
                ops.append(
                    JointToSkip(
                        layout=self.layout,
                        target='b',
                        pairs=layout.parents))
        if 'k' in feats or 'km' in feats:
            ops.append(JointToSkip(layout=self.layout, target='k'))
        ops.append(KeyMapper(remapping={'keypoint': 'j'}))
        for source in ('j', 'b', 'k'):
            if f'{source}m' in feats:
                ops.append(
                    ToMotion(
                        dataset=self.layout,
                        source=source,
                        target=f'{source}m'))
        ops.append(MergeSkeFeat(feat_list=self.feats, axis=axis))
        self.ops = Compose(ops)

    def transform(self, results: Dict) -> Dict:
        """Generate the features of ``results['keypoint']``.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        if 'keypoint_score' in results and 'keypoint' in results:
            if not self.has_score:
                scored = sorted(n for n, e in LAYOUTS.items() if e.has_score)
                raise ValueError(
                    f'GenSkeFeatK(layout={self.layout!r}) got '
                    "keypoint_score, which only the 2D layouts "
                    f'{scored} have; set layout= to the '
                    "data's layout or drop keypoint_score.")
            if results['keypoint'].shape[-1] != 2:
                raise ValueError(
                    'GenSkeFeatK: only 2D keypoints have keypoint_score, got '
                    f'{results["keypoint"].shape[-1]} channels')
            keypoint = results.pop('keypoint')
            keypoint_score = results.pop('keypoint_score')
            results['keypoint'] = np.concatenate(
                [keypoint, keypoint_score[..., None]], -1)
        return self.ops(results)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(layout={self.layout}, '
                f'feats={self.feats}, axis={self.axis})')
