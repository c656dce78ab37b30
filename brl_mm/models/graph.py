"""Deprecated: moved to :mod:`brl_mm.compat.graph_layouts` (the
``graph_table_layouts`` shim)."""
from brl_mm.compat.graph_layouts import (register_table_layouts,  # noqa: F401
                                         table_graph_layout)
from brl_mm.utils.deprecation import warn_moved

warn_moved(__name__, 'brl_mm.compat.graph_layouts')
