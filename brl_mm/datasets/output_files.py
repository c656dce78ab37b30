"""Deprecated: moved to :mod:`brl_mm.utils.atomic_io`."""
from brl_mm.utils.atomic_io import dump_atomically, overwrite_refusal  # noqa: F401
from brl_mm.utils.deprecation import warn_moved

warn_moved(__name__, 'brl_mm.utils.atomic_io')
