"""Data tooling: other formats to mmaction skeleton annotations (NTU RGB+D
``.skeleton`` files in :mod:`.ntu_raw`, NW-UCLA json in :mod:`.nw_ucla_raw`,
pose-estimator outputs read by :mod:`.pose_files`, with person tracking in
:mod:`.tracking`, to annotations in :mod:`.pose_json`). Used by
``tools/data/``; not part of training."""
from .pose_json import (FramePoses, PoseFileError, convert_pose_folder,
                        find_pose_files, read_pose_file, seeded_splits,
                        video_annotation)
from .tracking import box_iou, keypoint_boxes, select_tracks, track_persons

__all__ = [
    'FramePoses', 'PoseFileError', 'convert_pose_folder', 'find_pose_files',
    'read_pose_file', 'seeded_splits', 'video_annotation', 'box_iou',
    'keypoint_boxes', 'select_tracks', 'track_persons'
]
