"""Distributed equivalence (issue 9, part 2): ``tools/dist_train.sh CONFIG 2``
on CPU (gloo, 4 samples per rank) against ``tools/train.py`` in one process
(8 samples), the same global batch.

What makes the comparison fair (and what would break it):

* sampler: mmengine's ``DefaultSampler`` shuffles with ``seed + epoch`` on
  every rank and gives rank ``r`` the positions ``r, r + 2, ...``; with 18
  training samples (no padding) the global batch ``t`` of the 2-rank run
  holds exactly the samples of batch ``t`` of the 1-process run, and DDP's
  gradient mean over ranks equals the 1-process mean over the batch;
* augmentations: numpy draws per process differ (each rank has its own
  stream), so training uses the deterministic validation pipeline
  (``UniformSampleFrames`` in test mode re-seeds per sample);
* mixup: it mixes within each rank's local batch with per-rank random
  choices (as BRL's original DDP code); at these batch sizes
  ``int(ratio * B) = 0`` samples are mixed in both runs;
* BatchNorm: per-rank batch statistics (4 samples) differ from the
  1-process ones (8 samples) unless SyncBN, which torch supports only on
  GPUs; the BatchNorm layers run on their running statistics here (a
  test-only hook), so the model is per-sample;
* loss: stage 1 is a plain mean, so the DDP mean of per-rank means is the
  global mean. Stage 2's weighted cross entropy divides by the mean over
  ranks of the weight sum (one all-reduce), so the DDP update is the
  1-process weighted mean of the global batch too; with each rank's own
  weight sum (torch's weighted ``cross_entropy``) it differed by 0.66 of the
  update.
"""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

from brl_mm.compat import load_from_local_trusted
from brl_mm.models import RebalancedPartialMix
from brl_mm.testing import (REPO, free_port, load_config, set_custom_hook,
                            shrink_config)

PROBE_SOURCE = '''
import json
import os.path as osp

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmaction.registry import HOOKS


@HOOKS.register_module()
class EquivalenceProbeHook(Hook):
    """BatchNorm on running statistics; dumps what each rank holds."""

    def __init__(self, out_dir):
        self.out_dir = out_dir

    def _model(self, runner):
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        for module in self._model(runner).modules():
            if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                module.eval()

    def before_train_epoch(self, runner):
        loss = self._model(runner).cls_head.loss_cls
        name = f'rank{runner.rank}_epoch{runner.epoch}.json'
        with open(osp.join(self.out_dir, name), 'w') as f:
            json.dump(dict(rank=runner.rank, world_size=runner.world_size,
                           stage=loss.current_stage,
                           counts=loss.class_counts.tolist(),
                           weight=loss.class_weight.tolist()), f)

    def after_train_epoch(self, runner):
        state = {k: v.detach().clone()
                 for k, v in self._model(runner).state_dict().items()}
        torch.save(state, osp.join(
            self.out_dir,
            f'{runner.world_size}proc_rank{runner.rank}_'
            f'epoch{runner.epoch + 1}.pth'))
'''

COUNTS = [8, 5, 3, 2]  # train split of conftest's synthetic_pickle


def make_config(synthetic_pickle, tmp, batch_size, probe_dir):
    cfg = load_config(osp.join(REPO, 'configs/brl/synthetic_lt.py'))
    shrink_config(cfg, synthetic_pickle['path'], 4)
    cfg.train_cfg.max_epochs = 2
    cfg.param_scheduler[0].T_max = 2
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.default_hooks.checkpoint.save_best = None
    set_custom_hook(cfg, type='DetachedScheduleHook', switch_epoch=1)
    set_custom_hook(cfg, type='EpochSeedHook')
    cfg.custom_hooks.append(
        dict(type='EquivalenceProbeHook', out_dir=probe_dir, priority='LOW'))
    cfg.custom_imports = dict(imports=['brl_mm', 'equivalence_probe'],
                              allow_failed_imports=False)
    train_set = cfg.train_dataloader.dataset.dataset
    val_pipeline = [dict(t) for t in cfg.test_dataloader.dataset.pipeline]
    for transform in val_pipeline:
        if transform['type'] == 'UniformSampleFrames':
            transform['num_clips'] = 1
    train_set.pipeline = val_pipeline
    cfg.train_dataloader.batch_size = batch_size
    config = str(tmp / f'equiv_b{batch_size}.py')
    cfg.dump(config)
    return config


@pytest.fixture(scope='module')
def runs(synthetic_pickle, tmp_path_factory):
    tmp = tmp_path_factory.mktemp('equiv')
    (tmp / 'equivalence_probe.py').write_text(PROBE_SOURCE)
    probe = tmp / 'probe'
    probe.mkdir()
    env = dict(os.environ,
               PYTHON=sys.executable,
               PORT=str(free_port()),
               OMP_NUM_THREADS='1',
               PYTHONFAULTHANDLER='1',  # where a rank aborts, if one does
               PYTHONPATH=os.pathsep.join(
                   [str(tmp), REPO,
                    os.environ.get('PYTHONPATH', '')]))
    args = ['--seed', '0', '--deterministic']
    single = make_config(synthetic_pickle, tmp, 8, str(probe))
    proc = subprocess.run([
        sys.executable,
        osp.join(REPO, 'tools/train.py'), single, '--work-dir',
        str(tmp / 'single'), *args
    ],
                          cwd=str(tmp),
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    dist = make_config(synthetic_pickle, tmp, 4, str(probe))
    proc = subprocess.run([
        'bash',
        osp.join(REPO, 'tools/dist_train.sh'), dist, '2', '--work-dir',
        str(tmp / 'dist'), *args
    ],
                          cwd=str(tmp),
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return dict(tmp=tmp, probe=probe, log=proc.stdout + proc.stderr)


def _states(runs, world_size, rank, epoch):
    return torch.load(
        runs['probe'] / f'{world_size}proc_rank{rank}_epoch{epoch}.pth')


def _relative_update_difference(start, single, dist):
    """``||dist - single|| / ||single - start||`` over the float parameters
    and buffers (loss buffers excluded): how far the 2-rank update of an
    epoch is from the 1-process one, relative to the update itself."""
    keys = [
        k for k, v in single.items()
        if v.is_floating_point() and not k.startswith('cls_head.loss_cls')
    ]
    gap = sum(float(((dist[k] - single[k])**2).sum()) for k in keys)**0.5
    step = sum(float(((single[k] - start[k])**2).sum()) for k in keys)**0.5
    return gap / step


def test_no_sample_is_mixed_at_these_batch_sizes():
    mix = RebalancedPartialMix(num_classes=4)
    assert mix.num_mixed(8) == mix.num_mixed(4) == 0


def test_every_rank_holds_the_same_counts_weights_stage(runs):
    for epoch, stage in ((0, 1), (1, 2)):
        records = []
        for rank in (0, 1):
            with open(runs['probe'] / f'rank{rank}_epoch{epoch}.json') as f:
                records.append(json.load(f))
        for rank, record in enumerate(records):
            assert (record['rank'], record['world_size']) == (rank, 2)
            assert record['stage'] == stage
            assert record['counts'] == COUNTS
        assert records[0]['weight'] == records[1]['weight']
        assert records[0]['counts'] == records[1]['counts']


def test_ranks_hold_bitwise_equal_weights(runs):
    for epoch in (1, 2):
        a = _states(runs, 2, 0, epoch)
        b = _states(runs, 2, 1, epoch)
        assert all(torch.equal(a[k], b[k]) for k in a), epoch


def test_stage1_matches_one_process_within_float_tolerance(runs):
    single = _states(runs, 1, 0, 1)
    dist = _states(runs, 2, 0, 1)
    assert single.keys() == dist.keys()
    for key, value in single.items():
        if value.is_floating_point():
            torch.testing.assert_close(dist[key], value, rtol=1e-5,
                                       atol=1e-6, msg=key)
    # the final checkpoint of rank 0 is what the probe saw
    ckpt = load_from_local_trusted(
        osp.join(runs['tmp'], 'dist', 'epoch_1.pth'))['state_dict']
    assert all(torch.equal(ckpt[k], dist[k]) for k in dist)


def test_stage2_matches_one_process_within_float_tolerance(runs):
    """Stage 2 (action-aware weights) under DDP equals the 1-process run:
    the loss normalizes by the weight sum averaged over ranks."""
    start = _states(runs, 1, 0, 1)
    single = _states(runs, 1, 0, 2)
    dist = _states(runs, 2, 0, 2)
    stage2 = _relative_update_difference(start, single, dist)
    print(f'relative update difference in stage 2: {stage2:.3g}')
    assert stage2 < 1e-5
    for key, value in single.items():
        if value.is_floating_point():
            torch.testing.assert_close(dist[key], value, rtol=1e-5,
                                       atol=1e-6, msg=key)
