"""Deprecated: moved to :mod:`brl_mm.zoo.checkpoint_convert`."""
from brl_mm.utils import warn_moved
from brl_mm.zoo.checkpoint_convert import *  # noqa: F401,F403

warn_moved(__name__, 'brl_mm.zoo.checkpoint_convert')
