"""Deprecated: moved to :mod:`brl_mm.fast.compile_hook`."""
from brl_mm.utils.deprecation import warn_moved
from brl_mm.fast.compile_hook import *  # noqa: F401,F403

warn_moved(__name__, 'brl_mm.fast.compile_hook')
