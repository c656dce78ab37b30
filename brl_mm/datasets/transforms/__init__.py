"""Skeleton pipeline transforms registered in mmaction's TRANSFORMS: BRL's
STAE augmentations and the skip-modal features."""
from .augment import RandomRot, RandomScale, SpatialFlip, TemporalReverse
from .features import GenSkeFeatK, JointToSkip

__all__ = [
    'RandomScale', 'RandomRot', 'SpatialFlip', 'TemporalReverse',
    'GenSkeFeatK', 'JointToSkip'
]
