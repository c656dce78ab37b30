"""A tiny BRL training run with the class-aware sampler: it trains, the
batches are class-balanced, and ``resume`` repeats the uninterrupted run
bitwise (with EpochSeedHook)."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner
from mmaction.registry import HOOKS

from brl_mm.testing import set_custom_hook, tiny_train_config

EPOCHS = 3
SEEN = {}


@HOOKS.register_module(force=True)
class SamplerProbeHook(Hook):
    """Records the hard labels of every training batch, per run and epoch."""

    def __init__(self, run):
        self.run = run

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        labels = [int(s.gt_label) for s in data_batch['data_samples']]
        SEEN.setdefault(self.run, {}).setdefault(runner.epoch,
                                                 []).extend(labels)


def _config(synthetic_pickle, work_dir, run):
    cfg = tiny_train_config(synthetic_pickle['path'], str(work_dir),
                            max_epochs=EPOCHS, switch_epoch=2)
    cfg.train_dataloader.sampler = dict(type='ClassAwareSampler')
    cfg.randomness = dict(seed=0, deterministic=True)
    set_custom_hook(cfg, type='EpochSeedHook')
    set_custom_hook(cfg, type='SamplerProbeHook', run=run)
    return cfg


@pytest.mark.slow
def test_class_aware_training_resumes_exactly(synthetic_pickle, tmp_path):
    full = Runner.from_cfg(_config(synthetic_pickle, tmp_path / 'full',
                                   'full'))
    full.train()
    sampler = full.train_dataloader.sampler
    assert type(sampler).__name__ == 'ClassAwareSampler'
    # RepeatDataset(times=2) of the training split: an epoch draws as many
    # samples, class-balanced (floor or ceil of length / 4 per class)
    length = len(full.train_dataloader.dataset)
    for epoch in range(EPOCHS):
        counts = np.bincount(SEEN['full'][epoch], minlength=4)
        assert counts.sum() == length
        assert counts.max() - counts.min() <= 1, counts
    natural = np.bincount(
        [int(full.train_dataloader.dataset.get_data_info(i)['label'])
         for i in range(length)], minlength=4)
    assert natural.max() > 2 * natural.min()  # the data are long-tailed

    resumed_cfg = _config(synthetic_pickle, tmp_path / 'resumed', 'resumed')
    resumed_cfg.resume = True
    resumed_cfg.load_from = osp.join(str(tmp_path / 'full'), 'epoch_1.pth')
    Runner.from_cfg(resumed_cfg).train()
    assert sorted(SEEN['resumed']) == [1, 2]
    for epoch in (1, 2):
        assert SEEN['resumed'][epoch] == SEEN['full'][epoch]
    final = torch.load(osp.join(str(tmp_path / 'full'), 'epoch_3.pth'),
                       map_location='cpu', weights_only=False)
    again = torch.load(osp.join(str(tmp_path / 'resumed'), 'epoch_3.pth'),
                       map_location='cpu', weights_only=False)
    for name, value in final['state_dict'].items():
        assert torch.equal(value, again['state_dict'][name]), name
