"""NonFiniteLossHook (issue 9, part 4): a NaN loss stops training naming the
iteration, the batch's sample ids and the last good checkpoint; no checkpoint
with NaN weights is written."""
import math
import os.path as osp
from types import SimpleNamespace

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.logging import MessageHub
from mmengine.runner import Runner

from brl_mm.compat import load_from_local_trusted
from brl_mm.engine import NonFiniteLossError, NonFiniteLossHook
from brl_mm.testing import REPO, load_config, set_custom_hook, shrink_config
from mmaction.registry import HOOKS


@HOOKS.register_module(force=True)
class PoisonWeightsHook(Hook):
    """Test-only: makes the head's weights NaN before one iteration."""

    def __init__(self, at_epoch: int, at_batch: int = 0) -> None:
        self.at = (at_epoch, at_batch)

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if (runner.epoch, batch_idx) == self.at:
            model = getattr(runner.model, 'module', runner.model)
            with torch.no_grad():
                for param in model.cls_head.parameters():
                    param.fill_(math.nan)


def build_cfg(synthetic_pickle, work_dir, interval=1, at_epoch=1):
    cfg = load_config(osp.join(REPO, 'configs/brl/synthetic_lt.py'))
    shrink_config(cfg, synthetic_pickle['path'], 4)
    cfg.train_cfg.max_epochs = 3
    cfg.param_scheduler[0].T_max = 3
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.default_hooks.checkpoint.save_best = None
    pack = cfg.train_dataloader.dataset.dataset.pipeline[-1]
    assert pack.type == 'PackActionInputs'
    pack.meta_keys = ('frame_dir', )
    set_custom_hook(cfg, type='NonFiniteLossHook', interval=interval)
    set_custom_hook(cfg, type='PoisonWeightsHook', at_epoch=at_epoch)
    cfg.work_dir = work_dir
    cfg.randomness = dict(seed=0)
    cfg.experiment_name = osp.basename(work_dir)
    return cfg


@pytest.mark.parametrize('interval', [1, 2, 10])
def test_nan_loss_stops_training_before_a_nan_checkpoint(
        synthetic_pickle, tmp_path, interval):
    work_dir = str(tmp_path / f'work{interval}')
    runner = Runner.from_cfg(build_cfg(synthetic_pickle, work_dir, interval))
    iters_per_epoch = len(runner.train_dataloader)
    with pytest.raises(NonFiniteLossError) as info:
        runner.train()
    message = str(info.value)
    # poisoned before the first iteration of epoch 2 (1-based); a later
    # checked iteration, at the latest the check at the epoch's end (the
    # only one within epoch 2 for interval 10), catches it
    first_bad = iters_per_epoch + 1
    last = 2 * iters_per_epoch
    caught = [f'at iteration {it} (epoch 2)'
              for it in range(first_bad, min(first_bad + interval, last + 1))]
    if interval > iters_per_epoch:
        caught = [f'at iteration {last} (epoch 2)']
    assert any(c in message for c in caught), message
    assert 'loss=nan' in message
    assert 'S0' in message and 'unknown' not in message  # frame_dir ids
    last_good = osp.join(work_dir, 'epoch_1.pth')
    assert f'the last good checkpoint is {last_good}' in message
    assert not osp.exists(osp.join(work_dir, 'epoch_2.pth'))
    ckpt = load_from_local_trusted(last_good)
    assert all(
        torch.isfinite(v).all() for v in ckpt['state_dict'].values()
        if v.is_floating_point())


def test_nan_in_the_first_epoch_names_no_checkpoint(synthetic_pickle,
                                                    tmp_path):
    work_dir = str(tmp_path / 'work')
    runner = Runner.from_cfg(
        build_cfg(synthetic_pickle, work_dir, at_epoch=0))
    with pytest.raises(NonFiniteLossError,
                       match='at iteration 1 .*no checkpoint was written'):
        runner.train()
    assert not osp.exists(osp.join(work_dir, 'epoch_1.pth'))


def _fake_runner(work_dir, hub_loss=None):
    hub = MessageHub(f'nan_guard_{id(work_dir)}_{hub_loss}')
    if hub_loss is not None:
        hub.update_scalar('train/loss', hub_loss)
    return SimpleNamespace(message_hub=hub, work_dir=work_dir, iter=6,
                           epoch=0)


def test_falls_back_to_the_output_tensor_without_runtime_info(tmp_path):
    hook = NonFiniteLossHook()
    runner = _fake_runner(str(tmp_path))
    good = dict(loss=torch.tensor(0.5), loss_cls=torch.tensor(0.5))
    hook.after_train_iter(runner, 0, None, good)
    bad = dict(loss=torch.tensor(math.inf), loss_cls=torch.tensor(math.inf))
    (tmp_path / 'epoch_3.pth').write_bytes(b'')
    with pytest.raises(NonFiniteLossError,
                       match=r'loss=nan; loss=inf, loss_cls=inf\) at '
                       r'iteration 7 .*Samples of the batch: unknown.*'
                       r'epoch_3.pth'):
        hook.after_train_iter(runner, 0, dict(data_samples=[]), bad)


def test_reads_the_already_synced_loss_of_the_message_hub(tmp_path):
    hook = NonFiniteLossHook()
    with pytest.raises(NonFiniteLossError, match='loss=nan'):
        hook.after_train_iter(
            _fake_runner(str(tmp_path), hub_loss=math.nan), 0, None,
            dict(loss=torch.tensor(1.0)))
    hook.after_train_iter(_fake_runner(str(tmp_path), hub_loss=1.0), 0,
                          None, dict(loss=torch.tensor(1.0)))


def test_bad_interval():
    for interval in (0, 1.5, True):
        with pytest.raises(ValueError, match='interval must be an int'):
            NonFiniteLossHook(interval=interval)
