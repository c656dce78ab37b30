"""Skeleton pipeline transforms registered in mmaction's TRANSFORMS: BRL's
STAE augmentations, the skip-modal features, and faster
bit-identical versions of the stock PreNormalize3D / UniformSampleFrames."""
from .augment import RandomRot, RandomScale, SpatialFlip, TemporalReverse
from .features import GenSkeFeatK, JointToSkip
from .normalize import CachedPreNormalize3D
from .sampling import FastUniformSampleFrames

__all__ = [
    'RandomScale', 'RandomRot', 'SpatialFlip', 'TemporalReverse',
    'GenSkeFeatK', 'JointToSkip', 'CachedPreNormalize3D',
    'FastUniformSampleFrames'
]
