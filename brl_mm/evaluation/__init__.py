"""Evaluation: long-tail accuracy summaries."""
from .long_tail_accuracy import long_tail_accuracy, per_class_accuracy
from .report import format_lt_table, load_dump

__all__ = [
    'long_tail_accuracy', 'per_class_accuracy', 'format_lt_table', 'load_dump'
]

from .fusion import (ENSEMBLE_PRESETS, align_streams,  # noqa: E402
                     ensemble_weights, fuse_scores, load_streams,
                     preset_weights)
from .metric import LongTailMetric, resolve_out_dir  # noqa: E402
from .plots import plot_per_class_accuracy  # noqa: E402

__all__ += [
    'LongTailMetric', 'resolve_out_dir', 'plot_per_class_accuracy',
    'ENSEMBLE_PRESETS', 'align_streams', 'ensemble_weights', 'fuse_scores',
    'load_streams', 'preset_weights'
]
