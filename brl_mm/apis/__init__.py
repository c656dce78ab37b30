"""Inference with trained brl-mm models (``mmaction.apis`` style): build a
recognizer from a config (or zoo name) and checkpoint, recognize raw
``(M, T, V, C)`` skeletons, fuse several streams, read skeleton inputs."""
from .ensemble import StreamEnsemble, inference_ensemble, init_ensemble
from .inference import (LayoutMismatchError, SkeletonPrediction, class_name,
                        inference_skeleton, init_recognizer, make_sample,
                        model_layout, predict_scores, resolve_config,
                        test_pipeline_cfg, top_k)
from .onnx_export import (RecognizerForExport, check_onnx, export_input_shape,
                          export_onnx)
from .inputs import (SkeletonInput, SkeletonInputError, read_array_file,
                     read_pose_json, read_skeleton_inputs,
                     read_skeleton_pickle)

__all__ = [
    'RecognizerForExport', 'check_onnx', 'export_input_shape', 'export_onnx',
    'SkeletonInput', 'SkeletonInputError', 'read_array_file',
    'read_pose_json', 'read_skeleton_inputs', 'read_skeleton_pickle',
    'class_name', 'LayoutMismatchError', 'SkeletonPrediction',
    'StreamEnsemble',
    'inference_ensemble', 'inference_skeleton', 'init_ensemble',
    'init_recognizer', 'make_sample', 'model_layout', 'predict_scores',
    'resolve_config', 'test_pipeline_cfg', 'top_k'
]
