"""The synthetic long-tailed skeleton action data generator (data tooling,
not part of the BRL method): :mod:`.body_model` (kinematic tree, subjects,
forward kinematics), :mod:`.tracks` and :mod:`.motions` (the per-class
motion functions), :mod:`.classes` (the class table), :mod:`.render` (camera,
sensor noise, 3D / 2D output) and :mod:`.generate` (the public API)."""
from .body_model import synthetic_layouts
from .classes import max_synthetic_classes, synthetic_class_names
from .generate import generate_synthetic_lt

__all__ = [
    'generate_synthetic_lt', 'synthetic_class_names', 'max_synthetic_classes',
    'synthetic_layouts'
]
