"""Checkpoint safety (issue 9, part 5): every path a user names (tools/test.py
CHECKPOINT, ``load_from``, ``--resume`` in test_end_to_end.py) loads an
mmengine checkpoint with ``weights_only=False`` only after the safe load
failed, and says so naming the file."""
import logging
import os.path as osp
import subprocess
import sys

import numpy as np
import torch
from mmengine.logging import MessageHub, MMLogger
from mmengine.runner import Runner

from brl_mm.testing import REPO, load_config, shrink_config

NOTICE = 'loading it with weights_only=False because you named it'


def tiny_cfg(synthetic_pickle, work_dir):
    cfg = load_config(osp.join(REPO, 'configs/brl/synthetic_lt.py'))
    shrink_config(cfg, synthetic_pickle['path'], 4)
    cfg.work_dir = work_dir
    cfg.experiment_name = osp.basename(work_dir)
    return cfg


def mmengine_style_checkpoint(cfg, path):
    """A checkpoint with the Python objects mmengine writes (numpy scalars,
    the message hub), which ``weights_only=True`` rejects."""
    model = Runner.from_cfg(cfg).model
    hub = MessageHub.get_instance('ckpt-safety')
    hub.update_scalar('train/loss', 0.5)
    torch.save(
        dict(meta=dict(epoch=1, iter=3, seed=np.int64(0)),
             state_dict=model.state_dict(),
             message_hub=hub.state_dict()), path)
    return model


class _Capture(logging.Handler):

    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_load_from_says_it_disables_weights_only(synthetic_pickle, tmp_path):
    ckpt = str(tmp_path / 'named.pth')
    model = mmengine_style_checkpoint(
        tiny_cfg(synthetic_pickle, str(tmp_path / 'a')), ckpt)
    cfg = tiny_cfg(synthetic_pickle, str(tmp_path / 'b'))
    cfg.load_from = ckpt
    runner = Runner.from_cfg(cfg)
    capture = _Capture()
    logger = MMLogger.get_current_instance()
    logger.addHandler(capture)
    try:
        runner.load_or_resume()
    finally:
        logger.removeHandler(capture)
    assert any(NOTICE in m and ckpt in m for m in capture.messages)
    loaded = runner.model.state_dict()
    assert all(torch.equal(v, loaded[k]) for k, v in model.state_dict().items())


def test_tools_test_says_it_disables_weights_only(synthetic_pickle,
                                                  tmp_path):
    cfg = tiny_cfg(synthetic_pickle, str(tmp_path / 'a'))
    ckpt = str(tmp_path / 'named.pth')
    mmengine_style_checkpoint(cfg, ckpt)
    config = str(tmp_path / 'tiny.py')
    cfg.dump(config)
    proc = subprocess.run([
        sys.executable,
        osp.join(REPO, 'tools/test.py'), config, ckpt, '--work-dir',
        str(tmp_path / 'test')
    ],
                          cwd=str(tmp_path),
                          capture_output=True,
                          text=True,
                          timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert f'brl_mm: {ckpt} holds Python objects' in out and NOTICE in out


def test_tensor_only_checkpoints_load_without_the_fallback(
        synthetic_pickle, tmp_path):
    cfg = tiny_cfg(synthetic_pickle, str(tmp_path / 'a'))
    ckpt = str(tmp_path / 'weights.pth')
    torch.save(dict(state_dict=Runner.from_cfg(cfg).model.state_dict()), ckpt)
    cfg = tiny_cfg(synthetic_pickle, str(tmp_path / 'b'))
    cfg.load_from = ckpt
    runner = Runner.from_cfg(cfg)
    capture = _Capture()
    logger = MMLogger.get_current_instance()
    logger.addHandler(capture)
    try:
        runner.load_or_resume()
    finally:
        logger.removeHandler(capture)
    assert not any('weights_only=False' in m for m in capture.messages)
