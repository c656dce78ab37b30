"""Multi-stream inference: several (config, checkpoint) streams of one
benchmark, fused as ``tools/ensemble.py`` fuses their test dumps.

Each stream runs its own test pipeline (its modality: j, b, k, jm, bm, km) on
the same raw keypoints; the streams' class probabilities are combined with
:func:`brl_mm.evaluation.fuse_scores` and the BRL preset weights
(:data:`brl_mm.evaluation.ENSEMBLE_PRESETS`: ``2s``, ``4s``, ``6s``,
``k400``) or explicit ones.
"""
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch

from .inference import (SkeletonPrediction, init_recognizer, predict_scores,
                        top_k)

__all__ = ['StreamEnsemble', 'init_ensemble', 'inference_ensemble']


@dataclass
class StreamEnsemble:
    """Recognizers of one benchmark's streams and their fusion weights.

    Attributes:
        models (list[torch.nn.Module]): One recognizer per stream.
        weights (list[float]): One weight per stream.
        names (list[str]): Stream names (the preset's, else ``stream<i>``).
    """

    models: List[torch.nn.Module]
    weights: List[float]
    names: List[str]

    @property
    def dataset_meta(self) -> dict:
        """The first stream's ``dataset_meta`` (class names, counts)."""
        return self.models[0].dataset_meta


def init_ensemble(streams: Sequence[Tuple[str, Optional[str]]],
                  preset: Optional[str] = None,
                  weights: Optional[Sequence[float]] = None,
                  device: Union[str, torch.device] = 'cpu'
                  ) -> StreamEnsemble:
    """Build every stream's recognizer.

    Args:
        streams (Sequence[tuple]): ``(config, checkpoint)`` per stream, in
            the preset's stream order (e.g. j, b, jm, bm for ``4s``).
        preset (str, optional): ``'2s'``, ``'4s'``, ``'6s'`` or ``'k400'``.
        weights (Sequence[float], optional): Explicit weights instead.
            Neither: equal weights.
        device (str | torch.device): Defaults to ``'cpu'``.

    Returns:
        StreamEnsemble: The models, weights and stream names.
    """
    from brl_mm.evaluation import ensemble_weights
    resolved, names = ensemble_weights(len(streams), weights, preset)
    models = [init_recognizer(cfg, ckpt, device) for cfg, ckpt in streams]
    first = models[0].dataset_meta
    for i, model in enumerate(models[1:], 1):
        meta = model.dataset_meta
        if meta['num_classes'] != first['num_classes'] or (
                meta['layout'] != first['layout']):
            raise ValueError(
                f'stream {i} ({streams[i][0]}) has {meta["num_classes"]} '
                f'classes of layout {meta["layout"]!r}, stream 0 '
                f'{first["num_classes"]} of {first["layout"]!r}: an '
                'ensemble fuses streams of one benchmark')
    return StreamEnsemble(models, resolved,
                          names or [f'stream{i}' for i in range(len(models))])


def inference_ensemble(ensemble: StreamEnsemble,
                       keypoints: np.ndarray,
                       topk: int = 5,
                       **kwargs) -> SkeletonPrediction:
    """Fused top-k of one sample over all streams.

    Args:
        ensemble (StreamEnsemble): From :func:`init_ensemble`.
        keypoints (np.ndarray): ``(M, T, V, C)`` keypoints.
        topk (int): Number of classes returned. Defaults to 5.
        **kwargs: ``keypoint_score``, ``layout``, ``name``, ``img_shape``
            as for :func:`~brl_mm.apis.inference_skeleton`.

    Returns:
        SkeletonPrediction: The fused top-k; ``pred_score`` is the weighted
        mean of the streams' probabilities.
    """
    from brl_mm.evaluation import fuse_scores
    scores = [predict_scores(model, keypoints, **kwargs)[None]
              for model in ensemble.models]
    fused = fuse_scores(scores, ensemble.weights)[0]
    return top_k(fused, ensemble.dataset_meta.get('classes'), topk,
                 kwargs.get('name', ''))
