"""ONNX export of a skeleton recognizer's backbone + head.

The exported graph maps one clip batch ``keypoint (N, M, T, V, C)`` (the
output of the test pipeline's ``FormatGCNInput`` for one clip) to the head's
class logits ``scores (N, K)``; ``N`` is a dynamic axis. The test
pipeline's transforms (normalisation, features, clip sampling) and the
clip averaging (softmax, mean over clips) stay outside the graph.

torch 2.13's default exporter (``dynamo=True``) needs the ``onnxscript``
package; brl-mm uses the TorchScript-based exporter (``dynamo=False``),
which needs only ``onnx``, so the export works offline with the ``export``
extra (``pip install brl-mm[export]``: onnx, onnxruntime).
"""
from typing import Dict, Tuple

import numpy as np
import torch
from mmengine.config import Config

__all__ = [
    'RecognizerForExport', 'export_input_shape', 'export_onnx',
    'check_onnx'
]


class RecognizerForExport(torch.nn.Module):
    """``cls_head(backbone(keypoint))`` of a recognizer, for export.

    Args:
        recognizer (torch.nn.Module): A ``RecognizerGCN`` (any backbone).
    """

    def __init__(self, recognizer: torch.nn.Module) -> None:
        super().__init__()
        self.backbone = recognizer.backbone
        self.cls_head = recognizer.cls_head

    def forward(self, keypoint: torch.Tensor) -> torch.Tensor:
        """``(N, M, T, V, C)`` -> ``(N, K)`` logits."""
        return self.cls_head(self.backbone(keypoint))


def export_input_shape(cfg: Config, batch: int = 2) -> Tuple[int, ...]:
    """``(N, M, T, V, C)`` of one clip batch of the config's test pipeline.

    ``M`` is ``FormatGCNInput.num_person``, ``T`` the sampler's
    ``clip_len``, ``V`` the layout's joints and ``C`` the backbone's
    ``in_channels`` (3 by default: x, y, z or x, y, score).
    """
    from brl_mm.layouts import get_layout
    from .inference import model_layout, test_pipeline_cfg
    num_person, clip_len = 2, None
    for transform in test_pipeline_cfg(cfg):
        if transform['type'] == 'FormatGCNInput':
            num_person = transform.get('num_person', 2)
        if 'clip_len' in transform:
            clip_len = transform['clip_len']
    if clip_len is None:
        raise KeyError('the test pipeline has no clip sampler (clip_len)')
    layout = model_layout(cfg)
    if layout is None:
        raise KeyError('no layout in the config (test dataset layout= or '
                       'backbone graph_cfg.layout)')
    channels = cfg.model.backbone.get('in_channels', 3)
    return (batch, num_person, clip_len, get_layout(layout).num_joints,
            channels)


def export_onnx(model: torch.nn.Module, path: str,
                input_shape: Tuple[int, ...], opset: int = 17,
                seed: int = 0) -> torch.Tensor:
    """Write ``backbone + head`` of ``model`` to ``path`` (ONNX).

    Args:
        model (torch.nn.Module): The recognizer (eval mode is set).
        path (str): The ``.onnx`` file.
        input_shape (tuple): ``(N, M, T, V, C)`` of the example input.
        opset (int): ONNX opset. Defaults to 17.
        seed (int): Seed of the random example input.

    Returns:
        torch.Tensor: The example input used for tracing.
    """
    wrapper = RecognizerForExport(model).eval()
    example = torch.randn(
        input_shape, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        torch.onnx.export(
            wrapper, (example, ), path, dynamo=False,
            input_names=['keypoint'], output_names=['scores'],
            dynamic_axes={'keypoint': {0: 'batch'}, 'scores': {0: 'batch'}},
            opset_version=opset)
    return example


def check_onnx(path: str, model: torch.nn.Module,
               inputs: torch.Tensor) -> Dict[str, object]:
    """Run the ONNX file with onnxruntime (CPU) and PyTorch on ``inputs``.

    Args:
        path (str): The exported file.
        model (torch.nn.Module): The recognizer it was exported from.
        inputs (torch.Tensor): ``(N, M, T, V, C)``; any ``N``.

    Returns:
        dict: ``max_abs_diff`` (float), ``onnx`` and ``torch`` scores
        (np.ndarray ``(N, K)``), ``same_argmax`` (bool).
    """
    import onnx
    import onnxruntime
    onnx.checker.check_model(onnx.load(path))
    session = onnxruntime.InferenceSession(
        path, providers=['CPUExecutionProvider'])
    ort = session.run(['scores'], {'keypoint': inputs.numpy()})[0]
    with torch.no_grad():
        ref = RecognizerForExport(model).eval()(inputs).numpy()
    return dict(
        max_abs_diff=float(np.abs(ort - ref).max()), onnx=ort, torch=ref,
        same_argmax=bool((ort.argmax(1) == ref.argmax(1)).all()))
