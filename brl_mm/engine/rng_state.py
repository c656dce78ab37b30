"""Deprecated: moved to :mod:`brl_mm.engine.hooks.epoch_seed`."""
from brl_mm.utils.deprecation import warn_moved
from brl_mm.engine.hooks.epoch_seed import *  # noqa: F401,F403

warn_moved(__name__, 'brl_mm.engine.hooks.epoch_seed')
