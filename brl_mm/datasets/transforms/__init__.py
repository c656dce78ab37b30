"""Skeleton pipeline transforms registered in mmaction's TRANSFORMS."""
from .augment import RandomRot, RandomScale, SpatialFlip, TemporalReverse

__all__ = ['RandomScale', 'RandomRot', 'SpatialFlip', 'TemporalReverse']

from .features import GenSkeFeatK, JointToSkip  # noqa: E402

__all__ += ['GenSkeFeatK', 'JointToSkip']
