"""BRL's per-sample skeleton augmentations (STAE, spec section 1).

Four registered transforms that drop into any mmaction2 skeleton pipeline
between ``PreNormalize3D`` (or ``PreNormalize2D``) and ``GenSkeFeat``:

* :class:`RandomScale` - multiply each coordinate axis by ``1 + U(-s, s)``.
* :class:`RandomRot` - random rotation, 3D ``Rz @ Ry @ Rx`` with three angles
  ``U(-theta, theta)``, 2D with one angle ``U(-theta, theta)``.
* :class:`SpatialFlip` - left/right joint permutation read from the layout
  table (:mod:`brl_mm.layouts`).
* :class:`TemporalReverse` - BRL's Temporal Reverse Perception: play the
  sequence backwards.

All of them work on mmaction's ``keypoint`` array of shape ``(M, T, V, C)``
and, when present, ``keypoint_score`` of shape ``(M, T, V)`` (mmaction keeps
2D detection scores there). They

* leave an all-zero skeleton untouched (and draw no random numbers for it),
* keep the keypoint dtype (``PreNormalize3D`` produces float64, raw pickles
  are usually float32) and never modify the input arrays in place,
* are vectorized numpy (no Python loop over persons, frames or joints),
* draw from numpy's global RNG (``np.random``) like mmaction's own
  transforms, so ``randomness=dict(seed=...)`` (plus mmengine's per-worker
  seeding) makes them reproducible.

The pure functions (:func:`rotation_matrix_3d`, :func:`rotate_coordinates`,
...) are the functional core; the registered classes only sample random
parameters and read/write the results dict.
"""
from typing import Dict, Optional, Sequence, Union

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmaction.registry import TRANSFORMS

from ...layouts import SkeletonLayout, get_layout

__all__ = [
    'RandomScale', 'RandomRot', 'SpatialFlip', 'TemporalReverse',
    'rotation_matrix_2d', 'rotation_matrix_3d', 'rotate_coordinates',
    'scale_coordinates', 'flip_joints', 'temporal_reverse_order'
]


# ----------------------------------------------------------------- helpers
def _check_keypoint(keypoint: np.ndarray, owner: str) -> None:
    """Raise a clear error unless ``keypoint`` is a float (M, T, V, C)
    array."""
    if not isinstance(keypoint, np.ndarray) or keypoint.ndim != 4:
        shape = getattr(keypoint, 'shape', type(keypoint).__name__)
        raise ValueError(
            f'{owner} expects results["keypoint"] as a numpy array of shape '
            f'(M, T, V, C), got {shape}. Place it after pose loading and '
            'before GenSkeFeat / FormatGCNInput in the pipeline.')
    if not np.issubdtype(keypoint.dtype, np.floating):
        raise TypeError(
            f'{owner} expects floating point keypoints, got '
            f'{keypoint.dtype}; cast them to float32/float64 first (for '
            'example with PreNormalize2D / PreNormalize3D) so the augmented '
            'coordinates are not truncated.')


def _is_all_zero(keypoint: np.ndarray) -> bool:
    """True for an empty (all-zero) skeleton, which every transform skips."""
    return not keypoint.any()


def _num_coords(keypoint: np.ndarray, coord_dims: Optional[int],
                owner: str) -> int:
    """Number of leading channels of ``keypoint`` that are coordinates."""
    channels = keypoint.shape[-1]
    num = channels if coord_dims is None else coord_dims
    if not 1 <= num <= channels:
        raise ValueError(
            f'{owner}: coord_dims={coord_dims} does not fit keypoints with '
            f'{channels} channels')
    return num


# --------------------------------------------------------- functional core
def rotation_matrix_3d(angles: Sequence[float]) -> np.ndarray:
    """3D rotation ``Rz @ Ry @ Rx`` for angles ``(ax, ay, az)`` in radians.

    The elementary matrices follow PYSKL / the original BRL code (each is the
    transpose of the textbook counter-clockwise matrix, which is the same
    distribution for symmetric angle ranges), so a seeded run reproduces the
    original's coordinates exactly.

    Args:
        angles (Sequence[float]): Rotation angles about x, y and z.

    Returns:
        np.ndarray: A (3, 3) float64 orthonormal matrix with determinant 1.
    """
    ax, ay, az = (float(a) for a in angles)
    cx, sx = np.cos(ax), np.sin(ax)
    cy, sy = np.cos(ay), np.sin(ay)
    cz, sz = np.cos(az), np.sin(az)
    rot_x = np.array([[1., 0., 0.], [0., cx, sx], [0., -sx, cx]])
    rot_y = np.array([[cy, 0., -sy], [0., 1., 0.], [sy, 0., cy]])
    rot_z = np.array([[cz, sz, 0.], [-sz, cz, 0.], [0., 0., 1.]])
    return rot_z @ rot_y @ rot_x


def rotation_matrix_2d(angle: float) -> np.ndarray:
    """Counter-clockwise 2D rotation by ``angle`` radians, shape (2, 2)."""
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s], [s, c]])


def rotate_coordinates(keypoint: np.ndarray, rot: np.ndarray) -> np.ndarray:
    """Apply ``x' = rot @ x`` to the first ``d`` channels of every joint.

    Channels after the first ``d = rot.shape[0]`` (e.g. a score channel of
    2D+score input) are copied unchanged.

    Args:
        keypoint (np.ndarray): Keypoints of shape (..., C), C >= d.
        rot (np.ndarray): Rotation matrix of shape (d, d).

    Returns:
        np.ndarray: A new array with the dtype of ``keypoint``.
    """
    dims = rot.shape[0]
    rot = rot.astype(keypoint.dtype, copy=False)
    rotated = keypoint[..., :dims] @ rot.T
    if dims == keypoint.shape[-1]:
        return rotated
    out = keypoint.copy()
    out[..., :dims] = rotated
    return out


def scale_coordinates(keypoint: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """Multiply the first ``len(factors)`` channels by per-axis factors.

    Args:
        keypoint (np.ndarray): Keypoints of shape (..., C).
        factors (np.ndarray): One factor per coordinate axis, shape (d,),
            ``d <= C``; later channels (scores) are kept.

    Returns:
        np.ndarray: A new array with the dtype of ``keypoint``.
    """
    full = np.ones(keypoint.shape[-1], dtype=keypoint.dtype)
    full[:len(factors)] = factors
    return keypoint * full


def flip_joints(array: np.ndarray, flip_index: Sequence[int]) -> np.ndarray:
    """Permute the joint axis (axis 2 of (M, T, V[, C])) by ``flip_index``.

    Args:
        array (np.ndarray): ``keypoint`` (M, T, V, C) or ``keypoint_score``
            (M, T, V).
        flip_index (Sequence[int]): The layout's left/right permutation.

    Returns:
        np.ndarray: The permuted array (a copy).
    """
    return array[:, :, np.asarray(flip_index)]


def temporal_reverse_order(
        keypoint: np.ndarray,
        total_frames: Optional[int] = None,
        keypoint_score: Optional[np.ndarray] = None) -> Optional[np.ndarray]:
    """Frame order that plays the recorded part of a sequence backwards.

    Only the span from the first to the last non-empty frame among the first
    ``total_frames`` frames is reversed; zero padding before or after it and
    frames beyond ``total_frames`` stay where they are. Reversing the whole
    padded array (what the original ``Temperal_Flip`` did) would move the
    padding to the front, and frame samplers and models would then see the
    action start late, after a stretch of empty frames. Persons are reversed
    together, so a person who enters late leaves early.

    Args:
        keypoint (np.ndarray): Keypoints of shape (M, T, V, C).
        total_frames (int, optional): Number of valid frames (mmaction's
            ``results['total_frames']``); defaults to ``T``.
        keypoint_score (np.ndarray, optional): Scores (M, T, V); a frame with
            a non-zero score counts as recorded too.

    Returns:
        np.ndarray | None: Frame indices of length ``T``, or None when there
        is no non-empty frame.
    """
    num_frames = keypoint.shape[1]
    limit = num_frames if total_frames is None else min(
        int(total_frames), num_frames)
    recorded = keypoint[:, :limit].any(axis=(0, 2, 3))
    if keypoint_score is not None:
        recorded |= keypoint_score[:, :limit].any(axis=(0, 2))
    frames = np.flatnonzero(recorded)
    if frames.size == 0:
        return None
    start, stop = frames[0], frames[-1] + 1
    order = np.arange(num_frames)
    order[start:stop] = order[start:stop][::-1]
    return order


# ------------------------------------------------------ registered classes
@TRANSFORMS.register_module()
class RandomScale(BaseTransform):
    """Scale each coordinate axis by ``1 + U(-s, s)``, one draw per axis.

    Required Keys:

        - keypoint

    Modified Keys:

        - keypoint

    Args:
        scale (float | Sequence[float]): ``s``; a sequence gives one ``s`` per
            coordinate axis (its length must equal the number of coordinate
            channels). Defaults to 0.1.
        coord_dims (int, optional): How many leading channels of ``keypoint``
            are coordinates; the rest (e.g. the score of 2D+score input) are
            not scaled. Defaults to None: every channel is a coordinate.
    """

    def __init__(self,
                 scale: Union[float, Sequence[float]] = 0.1,
                 coord_dims: Optional[int] = None) -> None:
        if isinstance(scale, (int, float)):
            values = (float(scale), )
        else:
            values = tuple(float(s) for s in scale)
        if not values or any(s < 0 for s in values):
            raise ValueError(
                'RandomScale: scale must be >= 0 (one value or one per '
                f'axis), got {scale}')
        self.scale = scale
        self.coord_dims = coord_dims
        self._scale = values

    def _per_axis(self, num_coords: int) -> np.ndarray:
        if len(self._scale) == 1:
            return np.full(num_coords, self._scale[0])
        if len(self._scale) != num_coords:
            raise ValueError(
                f'RandomScale: scale={self.scale} gives {len(self._scale)} '
                f'axes but the keypoints have {num_coords} coordinate '
                'channels; give one value or one per axis (or set '
                'coord_dims).')
        return np.asarray(self._scale)

    @cache_randomness
    def _sample_factors(self, scale: np.ndarray) -> np.ndarray:
        """``1 + U(-1, 1) * s`` per axis (the original's draw)."""
        return 1 + np.random.uniform(-1, 1, size=len(scale)) * scale

    def transform(self, results: Dict) -> Dict:
        """Scale ``results['keypoint']``.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        keypoint = results['keypoint']
        _check_keypoint(keypoint, 'RandomScale')
        if _is_all_zero(keypoint):
            return results
        num_coords = _num_coords(keypoint, self.coord_dims, 'RandomScale')
        factors = self._sample_factors(self._per_axis(num_coords))
        results['keypoint'] = scale_coordinates(keypoint, factors)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(scale={self.scale}, '
                f'coord_dims={self.coord_dims})')


@TRANSFORMS.register_module()
class RandomRot(BaseTransform):
    """Randomly rotate the skeleton about the origin.

    3D (three coordinate channels): angles ``(ax, ay, az) ~ U(-theta,
    theta)^3``, ``R = Rz @ Ry @ Rx`` (:func:`rotation_matrix_3d`), ``x' = R
    x``. 2D (two coordinate channels): one angle ``U(-theta, theta)``; the
    original code drew it from ``U(-theta, 1)`` (spec, known deviation 6).
    Apply it after the normalization that centres the body, as BRL does.

    Required Keys:

        - keypoint

    Modified Keys:

        - keypoint

    Args:
        theta (float): Maximum absolute angle in radians. Defaults to 0.3.
        coord_dims (int, optional): How many leading channels of ``keypoint``
            are coordinates (2 or 3). Set 2 for 2D keypoints that carry their
            score as a third channel: only x and y rotate. Defaults to None:
            every channel is a coordinate (C must be 2 or 3).
    """

    def __init__(self,
                 theta: float = 0.3,
                 coord_dims: Optional[int] = None) -> None:
        if theta < 0:
            raise ValueError(f'RandomRot: theta must be >= 0, got {theta}')
        if coord_dims not in (None, 2, 3):
            raise ValueError(
                f'RandomRot: coord_dims must be None, 2 or 3, got '
                f'{coord_dims}')
        self.theta = theta
        self.coord_dims = coord_dims

    @cache_randomness
    def _sample_angles(self, num_coords: int) -> np.ndarray:
        """Three angles for 3D, one for 2D, each ``U(-theta, theta)``."""
        size = 3 if num_coords == 3 else 1
        return np.random.uniform(-self.theta, self.theta, size=size)

    def transform(self, results: Dict) -> Dict:
        """Rotate ``results['keypoint']``.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        keypoint = results['keypoint']
        _check_keypoint(keypoint, 'RandomRot')
        if _is_all_zero(keypoint):
            return results
        num_coords = _num_coords(keypoint, self.coord_dims, 'RandomRot')
        if num_coords not in (2, 3):
            raise ValueError(
                f'RandomRot rotates 2D or 3D coordinates, got keypoints with '
                f'{num_coords} coordinate channels; set coord_dims=2 for '
                '2D keypoints with a score channel.')
        angles = self._sample_angles(num_coords)
        rot = (rotation_matrix_3d(angles)
               if num_coords == 3 else rotation_matrix_2d(angles[0]))
        results['keypoint'] = rotate_coordinates(keypoint, rot)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(theta={self.theta}, '
                f'coord_dims={self.coord_dims})')


@TRANSFORMS.register_module()
class SpatialFlip(BaseTransform):
    """With probability ``p``, swap left and right joints.

    This is an index permutation read from the layout table
    (``SkeletonLayout.flip_index``), not a mirror of the coordinates, exactly
    as in the original BRL code. ``keypoint_score`` is permuted with the
    keypoints.

    Required Keys:

        - keypoint
        - keypoint_score (optional)

    Modified Keys:

        - keypoint
        - keypoint_score (optional)

    Args:
        layout (str): Skeleton layout name in
            :data:`brl_mm.layouts.LAYOUTS` (``'nturgb+d'``,
            ``'nw_ucla'``, ``'coco'``, ``'openpose'``). Defaults to
            ``'nturgb+d'``.
        p (float): Flip probability. Defaults to 0.5.
    """

    def __init__(self, layout: str = 'nturgb+d', p: float = 0.5) -> None:
        if not 0 <= p <= 1:
            raise ValueError(f'SpatialFlip: p must be in [0, 1], got {p}')
        self._layout: SkeletonLayout = get_layout(layout)
        self.layout = self._layout.name
        self.p = p
        self.flip_index = np.asarray(self._layout.flip_index)

    @cache_randomness
    def _do_flip(self) -> bool:
        return np.random.rand() < self.p

    def transform(self, results: Dict) -> Dict:
        """Flip ``results['keypoint']`` (and ``keypoint_score``).

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        keypoint = results['keypoint']
        _check_keypoint(keypoint, 'SpatialFlip')
        num_joints = keypoint.shape[2]
        if num_joints != self._layout.num_joints:
            raise ValueError(
                f'SpatialFlip(layout={self.layout!r}) expects '
                f'{self._layout.num_joints} joints, got keypoints with '
                f'{num_joints}; set layout= to the dataset\'s skeleton '
                f'(one of the layouts of brl_mm.layouts).')
        if _is_all_zero(keypoint) or not self._do_flip():
            return results
        results['keypoint'] = flip_joints(keypoint, self.flip_index)
        if 'keypoint_score' in results:
            results['keypoint_score'] = flip_joints(results['keypoint_score'],
                                                    self.flip_index)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(layout={self.layout!r}, '
                f'p={self.p})')


@TRANSFORMS.register_module()
class TemporalReverse(BaseTransform):
    """BRL's Temporal Reverse Perception: with probability ``p`` play the
    whole sequence backwards (all persons together); the label is unchanged.

    The recorded span (first to last non-empty frame within
    ``total_frames``) is reversed while zero padding stays in place, see
    :func:`temporal_reverse_order`. Use it before frame sampling
    (``UniformSampleFrames``), like the other STAE transforms.

    Required Keys:

        - keypoint
        - keypoint_score (optional)
        - total_frames (optional)

    Modified Keys:

        - keypoint
        - keypoint_score (optional)

    Args:
        p (float): Reverse probability. Defaults to 0.5.
    """

    def __init__(self, p: float = 0.5) -> None:
        if not 0 <= p <= 1:
            raise ValueError(f'TemporalReverse: p must be in [0, 1], got {p}')
        self.p = p

    @cache_randomness
    def _do_reverse(self) -> bool:
        return np.random.rand() < self.p

    def transform(self, results: Dict) -> Dict:
        """Reverse the frames of ``results['keypoint']`` (and scores).

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        keypoint = results['keypoint']
        _check_keypoint(keypoint, 'TemporalReverse')
        if _is_all_zero(keypoint) or not self._do_reverse():
            return results
        score = results.get('keypoint_score')
        order = temporal_reverse_order(keypoint, results.get('total_frames'),
                                       score)
        if order is None:
            return results
        results['keypoint'] = keypoint[:, order]
        if score is not None:
            results['keypoint_score'] = score[:, order]
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(p={self.p})'
