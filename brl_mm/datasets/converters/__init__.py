"""Converters from other formats to mmaction skeleton annotations."""
from .pose_json import (FramePoses, PoseFileError, convert_pose_folder,
                        find_pose_files, read_pose_file, seeded_splits,
                        video_annotation)
from .tracking import box_iou, keypoint_boxes, select_tracks, track_persons

__all__ = [
    'FramePoses', 'PoseFileError', 'convert_pose_folder', 'find_pose_files',
    'read_pose_file', 'seeded_splits', 'video_annotation', 'box_iou',
    'keypoint_boxes', 'select_tracks', 'track_persons'
]
