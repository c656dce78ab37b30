"""tools/export_onnx.py: backbone + head of the four backbones to ONNX with
a dynamic batch axis, checked with onnxruntime against PyTorch."""
import re

import numpy as np
import pytest
import torch

onnxruntime = pytest.importorskip('onnxruntime')
pytest.importorskip('onnx')

from brl_mm.apis import init_recognizer, make_sample, predict_scores  # noqa
from brl_mm.apis.inference import _pipeline  # noqa: E402
from brl_mm.evaluation.fusion import softmax  # noqa: E402
from brl_mm.testing import (REPO, load_config, load_tool,  # noqa: E402
                            shrink_config)

BACKBONES = ('stgcnpp', 'aagcn', 'ctrgcn', 'msg3d')


def export(argv):
    return load_tool('export_onnx').main(argv)


def tiny_checkpoint(tmp_path, backbone, classes=5):
    cfg = load_config(f'{REPO}/configs/brl/ntu60_xsub_lt/'
                      f'brl_{backbone}_ntu60-xsub-lt100_j.py')
    shrink_config(cfg, 'unused.pkl', classes)
    config = str(tmp_path / f'{backbone}.py')
    cfg.dump(config)
    torch.manual_seed(0)
    model = init_recognizer(cfg)
    checkpoint = str(tmp_path / f'{backbone}.pth')
    torch.save(dict(state_dict=model.state_dict()), checkpoint)
    return config, checkpoint


@pytest.mark.parametrize('backbone', BACKBONES)
def test_export_and_check(backbone, tmp_path, capsys):
    config, checkpoint = tiny_checkpoint(tmp_path, backbone)
    out = str(tmp_path / f'{backbone}.onnx')
    assert export([config, checkpoint, '--out', out]) == 0
    printed = capsys.readouterr().out
    assert 'input keypoint (batch, 2, 8, 25, 3), output scores (batch, 5)' \
        in printed
    diff = float(re.search(r'max abs difference (\S+),', printed).group(1))
    assert diff < 1e-4 and 'same top-1: True' in printed
    session = onnxruntime.InferenceSession(
        out, providers=['CPUExecutionProvider'])
    for batch in (1, 4):  # the batch axis is dynamic
        scores = session.run(None, {'keypoint': np.zeros(
            (batch, 2, 8, 25, 3), np.float32)})[0]
        assert scores.shape == (batch, 5)


def test_onnx_plus_test_pipeline_equals_inference(tmp_path, capsys):
    """The test pipeline, the graph per clip, softmax and the clip mean give
    the scores inference_skeleton gives."""
    config, checkpoint = tiny_checkpoint(tmp_path, 'stgcnpp')
    out = str(tmp_path / 'm.onnx')
    assert export([config, checkpoint, '--out', out]) == 0
    model = init_recognizer(config, checkpoint)
    keypoint = np.random.default_rng(0).standard_normal(
        (2, 30, 25, 3)).astype(np.float32)
    clips = _pipeline(model)(make_sample(keypoint))['inputs'].numpy()
    assert clips.shape == (2, 2, 8, 25, 3)  # 2 test clips
    session = onnxruntime.InferenceSession(
        out, providers=['CPUExecutionProvider'])
    logits = session.run(None, {'keypoint': clips.astype(np.float32)})[0]
    np.testing.assert_allclose(softmax(logits).mean(0),
                               predict_scores(model, keypoint), atol=1e-6)


def test_existing_output_kept(tmp_path, capsys):
    config, checkpoint = tiny_checkpoint(tmp_path, 'stgcnpp')
    out = tmp_path / 'm.onnx'
    out.write_bytes(b'mine')
    assert export([config, checkpoint, '--out', str(out)]) == 2
    assert '--force' in capsys.readouterr().err
    assert out.read_bytes() == b'mine'
