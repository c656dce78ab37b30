"""Deprecated: moved to :mod:`brl_mm.compat.graph_layouts`."""
from brl_mm.utils.deprecation import warn_moved
from brl_mm.compat.graph_layouts import *  # noqa: F401,F403

warn_moved(__name__, 'brl_mm.compat.graph_layouts')
