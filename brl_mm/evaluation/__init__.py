"""Evaluation: long-tail accuracy, the LongTailMetric, multi-stream fusion
and per-class plots."""
from .fusion import (ENSEMBLE_PRESETS, align_streams, ensemble_weights,
                     fuse_scores, load_streams, preset_weights)
from .long_tail_accuracy import long_tail_accuracy, per_class_accuracy
from .metrics import LongTailMetric, resolve_out_dir
from .plots import plot_per_class_accuracy
from .report import format_lt_table, load_dump

__all__ = [
    'long_tail_accuracy', 'per_class_accuracy', 'format_lt_table',
    'load_dump', 'LongTailMetric', 'resolve_out_dir',
    'plot_per_class_accuracy', 'ENSEMBLE_PRESETS', 'align_streams',
    'ensemble_weights', 'fuse_scores', 'load_streams', 'preset_weights'
]
