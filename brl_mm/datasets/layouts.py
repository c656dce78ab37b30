"""Deprecated: moved to :mod:`brl_mm.layouts`."""
from brl_mm.layouts import LAYOUTS, SkeletonLayout, get_layout  # noqa: F401
from brl_mm.utils.deprecation import warn_moved

warn_moved(__name__, 'brl_mm.layouts')
