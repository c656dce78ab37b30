"""Datasets, skeleton layouts and the synthetic long-tailed data generator."""
from .collate import compact_collate
from .dataset_utils import dataset_class_counts, unwrap_dataset
from .layouts import LAYOUTS, SkeletonLayout, get_layout
from .long_tail import (counts_from_labels, lt_class_counts, select_lt_subset,
                        split_by_shot)
from .lt_pose_dataset import (LongTailPoseDataset, packaged_lt_splits,
                              resolve_lt_split_file)
from .store import (SkeletonStore, SkeletonStoreWriter, StoreError,
                    is_skeleton_store, write_skeleton_store)
from .synthetic import generate_synthetic_lt, synthetic_class_names
from . import transforms  # noqa: F401,E402  (registers STAE transforms)

__all__ = [
    'LAYOUTS', 'SkeletonLayout', 'get_layout', 'LongTailPoseDataset',
    'counts_from_labels', 'lt_class_counts', 'select_lt_subset',
    'split_by_shot', 'packaged_lt_splits', 'resolve_lt_split_file',
    'dataset_class_counts', 'unwrap_dataset', 'generate_synthetic_lt',
    'synthetic_class_names', 'compact_collate', 'SkeletonStore',
    'SkeletonStoreWriter', 'StoreError', 'is_skeleton_store',
    'write_skeleton_store'
]
