"""BRL's skeleton pipeline transforms, registered in mmaction's TRANSFORMS:
the STAE augmentations (:mod:`.augment`) and the skip-modal features
(:mod:`.features`). The bit-identical fast stand-ins for stock transforms
live in :mod:`brl_mm.fast`."""
from ...utils.deprecation import moved_names
from .augment import RandomRot, RandomScale, SpatialFlip, TemporalReverse
from .features import GenSkeFeatK, JointToSkip

__all__ = [
    'RandomScale', 'RandomRot', 'SpatialFlip', 'TemporalReverse',
    'GenSkeFeatK', 'JointToSkip'
]

# Moved in 0.2 (one release of deprecation warnings).
__getattr__ = moved_names(__name__, {
    'CachedPreNormalize3D': 'brl_mm.fast',
    'FastUniformSampleFrames': 'brl_mm.fast'
})
