"""Deprecated: moved to :mod:`brl_mm.datasets.converters.nw_ucla_raw`."""
from brl_mm.utils.deprecation import warn_moved
from brl_mm.datasets.converters.nw_ucla_raw import *  # noqa: F401,F403

warn_moved(__name__, 'brl_mm.datasets.converters.nw_ucla_raw')
