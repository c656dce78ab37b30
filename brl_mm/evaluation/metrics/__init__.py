"""Metrics registered in mmaction's METRICS."""
from .long_tail_metric import LongTailMetric, resolve_out_dir

__all__ = ['LongTailMetric', 'resolve_out_dir']
