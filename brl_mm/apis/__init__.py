"""Inference with trained brl-mm models (``mmaction.apis`` style): build a
recognizer from a config (or zoo name) and checkpoint, recognize raw
``(M, T, V, C)`` skeletons, fuse several streams, read skeleton inputs."""
from .ensemble import StreamEnsemble, inference_ensemble, init_ensemble
from .inference import (LayoutMismatchError, SkeletonPrediction,
                        inference_skeleton, init_recognizer, make_sample,
                        model_layout, predict_scores, test_pipeline_cfg,
                        top_k)

__all__ = [
    'LayoutMismatchError', 'SkeletonPrediction', 'StreamEnsemble',
    'inference_ensemble', 'inference_skeleton', 'init_ensemble',
    'init_recognizer', 'make_sample', 'model_layout', 'predict_scores',
    'test_pipeline_cfg', 'top_k'
]
