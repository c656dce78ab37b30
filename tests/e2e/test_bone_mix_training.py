"""A tiny BRL training run with the bone-space mixup: it trains, and the
mixed batches keep every sample's bone lengths."""
import math

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner
from mmaction.registry import HOOKS

from brl_mm.layouts import get_layout
from brl_mm.testing import set_custom_hook, tiny_train_config

NTU = get_layout('nturgb+d')
SEEN = []


@HOOKS.register_module(force=True)
class BoneLengthProbeHook(Hook):
    """Compares the bone lengths of each batch before and after the data
    preprocessor (which mixes), and records the loss."""

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        model = runner.model
        raw = torch.stack(data_batch['inputs']).float()
        mixed = model.data_preprocessor(dict(
            inputs=[x.clone() for x in data_batch['inputs']],
            data_samples=[s.clone() for s in data_batch['data_samples']]),
                                        training=True)['inputs']
        parents = list(NTU.parents)
        lengths = [(x - x[..., parents, :]).norm(dim=-1) for x in (raw, mixed)]
        SEEN.append(dict(changed=int((mixed != raw).flatten(1).any(1).sum()),
                         lengths=lengths))

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        SEEN[-1]['loss'] = float(outputs['loss'].detach())


@pytest.mark.slow
def test_bone_space_mixup_trains(synthetic_pickle, tmp_path):
    cfg = tiny_train_config(synthetic_pickle['path'], str(tmp_path),
                            max_epochs=2, switch_epoch=1)
    cfg.model.data_preprocessor.blending.update(space='bone', ratio=0.5)
    set_custom_hook(cfg, type='BoneLengthProbeHook')
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.model.data_preprocessor.blending.space == 'bone'
    assert SEEN and all(math.isfinite(step['loss']) for step in SEEN)
    assert all(step['changed'] > 0 for step in SEEN)
    for step in SEEN:
        torch.testing.assert_close(*step['lengths'], rtol=1e-4, atol=1e-5)
