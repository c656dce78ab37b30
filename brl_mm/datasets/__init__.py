"""Datasets: BRL's long-tailed pose dataset (LT lists, class counts, input
validation), the STAE / skip-modal transforms (:mod:`.transforms`), and the
data tooling: converters from raw formats (:mod:`.converters`) and the
synthetic long-tailed data generator (:mod:`.synthetic`)."""
from ..layouts import LAYOUTS, SkeletonLayout, get_layout
from ..utils.deprecation import moved_names
from .class_names import benchmark_class_names, load_class_names
from .dataset_utils import dataset_class_counts, unwrap_dataset
from .long_tail import (counts_from_labels, lt_class_counts, select_lt_subset,
                        split_by_shot)
from .lt_pose_dataset import (LongTailPoseDataset, load_skeleton_pickle,
                              packaged_lt_splits, resolve_lt_split_file)
from .validation import (Problem, check_class_coverage,
                         check_duplicate_ids, check_keypoints,
                         check_label_range, check_label_types,
                         check_num_classes, check_split_name,
                         check_splits, check_total_frames, is_label_index,
                         unpack_annotations)
from .store import (SkeletonStore, SkeletonStoreWriter, StoreError,
                    is_skeleton_store, write_skeleton_store)
from .synthetic import generate_synthetic_lt, synthetic_class_names
from . import transforms  # noqa: F401,E402  (registers STAE transforms)
from . import samplers  # noqa: F401,E402  (registers the class samplers)

__all__ = [
    'LAYOUTS', 'SkeletonLayout', 'get_layout', 'LongTailPoseDataset',
    'counts_from_labels', 'lt_class_counts', 'select_lt_subset',
    'split_by_shot', 'packaged_lt_splits', 'resolve_lt_split_file',
    'dataset_class_counts', 'unwrap_dataset', 'generate_synthetic_lt',
    'synthetic_class_names', 'load_skeleton_pickle', 'Problem',
    'check_class_coverage',
    'check_duplicate_ids', 'check_keypoints', 'check_label_range',
    'check_label_types', 'check_num_classes', 'check_split_name',
    'check_splits', 'check_total_frames', 'is_label_index',
    'unpack_annotations', 'benchmark_class_names', 'load_class_names',
    'SkeletonStore', 'SkeletonStoreWriter', 'StoreError', 'is_skeleton_store',
    'write_skeleton_store'
]

# Moved in 0.2 (one release of deprecation warnings).
__getattr__ = moved_names(__name__, {'compact_collate': 'brl_mm.fast'})
