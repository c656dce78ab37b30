"""Datasets, skeleton layouts and the synthetic long-tailed data generator."""
from .dataset_utils import dataset_class_counts, unwrap_dataset
from ..layouts import LAYOUTS, SkeletonLayout, get_layout
from ..utils.deprecation import moved_names
from .long_tail import (counts_from_labels, lt_class_counts, select_lt_subset,
                        split_by_shot)
from .lt_pose_dataset import (LongTailPoseDataset, packaged_lt_splits,
                              resolve_lt_split_file)
from .synthetic import generate_synthetic_lt, synthetic_class_names
from . import transforms  # noqa: F401,E402  (registers STAE transforms)

__all__ = [
    'LAYOUTS', 'SkeletonLayout', 'get_layout', 'LongTailPoseDataset',
    'counts_from_labels', 'lt_class_counts', 'select_lt_subset',
    'split_by_shot', 'packaged_lt_splits', 'resolve_lt_split_file',
    'dataset_class_counts', 'unwrap_dataset', 'generate_synthetic_lt',
    'synthetic_class_names'
]

# Moved in 0.2 (one release of deprecation warnings).
__getattr__ = moved_names(__name__, {'compact_collate': 'brl_mm.fast'})
