"""Evaluation: long-tail accuracy summaries."""
from .long_tail_accuracy import long_tail_accuracy, per_class_accuracy
from .report import format_lt_table, load_dump

__all__ = [
    'long_tail_accuracy', 'per_class_accuracy', 'format_lt_table', 'load_dump'
]
