"""Datasets, skeleton layouts and the synthetic long-tailed data generator."""
from .collate import compact_collate
from .dataset_utils import dataset_class_counts, unwrap_dataset
from .layouts import LAYOUTS, SkeletonLayout, get_layout
from .long_tail import (counts_from_labels, lt_class_counts, select_lt_subset,
                        split_by_shot)
from .lt_pose_dataset import (LongTailPoseDataset, load_skeleton_pickle,
                              packaged_lt_splits, resolve_lt_split_file)
from .validation import (LAYOUT_COORD_DIMS, Problem, check_class_coverage,
                         check_duplicate_ids, check_keypoints,
                         check_label_range, check_label_types,
                         check_num_classes, check_split_name,
                         check_splits, check_total_frames, is_label_index,
                         unpack_annotations)
from .synthetic import generate_synthetic_lt, synthetic_class_names
from . import transforms  # noqa: F401,E402  (registers STAE transforms)

__all__ = [
    'LAYOUTS', 'SkeletonLayout', 'get_layout', 'LongTailPoseDataset',
    'counts_from_labels', 'lt_class_counts', 'select_lt_subset',
    'split_by_shot', 'packaged_lt_splits', 'resolve_lt_split_file',
    'dataset_class_counts', 'unwrap_dataset', 'generate_synthetic_lt',
    'synthetic_class_names', 'compact_collate', 'load_skeleton_pickle',
    'LAYOUT_COORD_DIMS', 'Problem', 'check_class_coverage',
    'check_duplicate_ids', 'check_keypoints', 'check_label_range',
    'check_label_types', 'check_num_classes', 'check_split_name',
    'check_splits', 'check_total_frames', 'is_label_index',
    'unpack_annotations'
]
