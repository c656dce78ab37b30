"""Deprecated: moved to :mod:`brl_mm.evaluation.metrics.long_tail_metric`."""
from brl_mm.utils.deprecation import warn_moved
from brl_mm.evaluation.metrics.long_tail_metric import *  # noqa: F401,F403

warn_moved(__name__, 'brl_mm.evaluation.metrics.long_tail_metric')
