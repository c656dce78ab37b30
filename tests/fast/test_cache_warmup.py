"""CachedPreNormalize3D.precompute, warm_normalize_cache and
WarmNormalizeCacheHook: the normalization is computed once in the main
process and forked loader workers (restarted every epoch) never compute it
again; values stay those of the stock PreNormalize3D."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmaction.datasets.transforms import PreNormalize3D
from mmaction.datasets.transforms import PoseDecode
from mmengine.dataset import Compose
from mmengine.hooks import Hook
from mmengine.runner import Runner

import brl_mm  # noqa: F401  (compat shims + registration)
from brl_mm.datasets import unwrap_dataset
from brl_mm.fast import CachedPreNormalize3D
from brl_mm.fast import WarmNormalizeCacheHook, warm_normalize_cache
from brl_mm.testing import REPO, load_config, set_custom_hook, shrink_config


def _sample(index, frames=20):
    rng = np.random.default_rng(index)
    keypoint = rng.normal(0, 0.5, (1, frames, 25, 3)) + [0, 0, 3.0]
    return dict(keypoint=keypoint.astype(np.float32), total_frames=frames,
                frame_dir=f'S001P{index:03d}A001')


class _Samples(torch.utils.data.Dataset):
    """The dataset interface the warm-up reads: pipeline + get_data_info."""

    def __init__(self, samples, transforms):
        self.samples = samples
        self.pipeline = Compose(transforms)

    def __len__(self):
        return len(self.samples)

    def get_data_info(self, index):
        return {k: (v.copy() if isinstance(v, np.ndarray) else v)
                for k, v in self.samples[index].items()}

    def __getitem__(self, index):
        return self.pipeline(self.get_data_info(index))['keypoint']


class _Repeat:
    """Duck-typed mmengine wrappers (``.dataset`` / ``.datasets``); the
    Runner test below goes through mmengine's real RepeatDataset."""

    def __init__(self, dataset):
        self.dataset = dataset


class _Concat:

    def __init__(self, datasets):
        self.datasets = datasets


def _forbid_compute(transform):
    """Make any later computation (also in forked workers) an error."""

    def refuse(results):
        raise RuntimeError(f'computed {results["frame_dir"]} in a worker')

    transform._compute_entry = refuse


def test_precompute_fills_memory_and_reports():
    samples = [_sample(i) for i in range(4)]
    transform = CachedPreNormalize3D()
    report = transform.precompute(dict(s) for s in samples + samples[:2])
    sizes = sum(transform._lookup(s)[0].nbytes for s in samples)
    assert report == dict(memory=2, disk=0, computed=4, samples=6, unique=4,
                          held=4, total_bytes=sizes, memory_bytes=sizes)
    stock = PreNormalize3D()
    for sample in samples:  # later calls are hits with the stock values
        ours = transform(dict(sample))
        np.testing.assert_array_equal(ours['keypoint'],
                                      stock(dict(sample))['keypoint'])
    assert transform.stats == dict(memory=2 + 4 + 4, disk=0, computed=4)
    # precompute leaves the raw samples alone
    np.testing.assert_array_equal(samples[0]['keypoint'],
                                  _sample(0)['keypoint'])


def test_precompute_with_a_small_budget_or_no_cache():
    samples = [_sample(i) for i in range(4)]
    one = CachedPreNormalize3D(memory_cache_mb=0).normalize(
        dict(samples[0]))['keypoint'].nbytes
    small = CachedPreNormalize3D(memory_cache_mb=2.5 * one / 2**20)
    report = small.precompute(samples)
    assert (report['unique'], report['held']) == (4, 2)
    assert report['total_bytes'] == 4 * one
    none = CachedPreNormalize3D(memory_cache_mb=0)
    report = none.precompute(samples)
    assert (report['samples'], report['unique'], report['computed']) == \
        (4, 0, 0)


def test_resize_memory_cache_evicts_and_checks():
    transform = CachedPreNormalize3D()
    transform.precompute(_sample(i) for i in range(3))
    one = transform._memory_bytes // 3
    transform.resize_memory_cache(1.5 * one / 2**20)
    assert len(transform._memory) == 1 and transform.memory_cache_mb < 1
    with pytest.raises(ValueError, match='memory_cache_mb'):
        transform.resize_memory_cache(-1)
    with pytest.raises(ValueError, match='memory_cache_mb'):
        WarmNormalizeCacheHook(memory_cache_mb=-1)


def test_warm_up_through_wrappers_and_forked_workers():
    samples = [_sample(i, frames=10 + i) for i in range(6)]
    first = _Samples(samples[:3], [CachedPreNormalize3D(memory_cache_mb=0)])
    second = _Samples(samples[3:], [CachedPreNormalize3D(memory_cache_mb=0)])
    # not first in its pipeline: its input is not the raw sample, skipped
    later = _Samples(samples, [PoseDecode(), CachedPreNormalize3D()])
    wrapped = _Repeat(_Concat([first, second]))
    reports = warm_normalize_cache(wrapped, memory_cache_mb=64)
    assert [r['computed'] for r in reports] == [3, 3]
    assert [r['held'] for r in reports] == [3, 3]
    assert warm_normalize_cache(later) == []
    for dataset in (first, second):
        assert dataset.pipeline.transforms[0].memory_cache_mb == 64
        _forbid_compute(dataset.pipeline.transforms[0])
    stock = PreNormalize3D()
    for dataset in (first, second):
        # two epochs of fresh (non-persistent) workers: all memory hits
        for _ in range(2):
            loader = torch.utils.data.DataLoader(
                dataset, batch_size=None, num_workers=2,
                persistent_workers=False)
            for got, index in zip(loader, range(len(dataset))):
                expected = stock(dataset.get_data_info(index))['keypoint']
                np.testing.assert_array_equal(np.asarray(got), expected)
    # the check is live: a cold worker computes and hits the refusal
    cold = _Samples(samples[:2], [CachedPreNormalize3D()])
    _forbid_compute(cold.pipeline.transforms[0])
    loader = torch.utils.data.DataLoader(cold, batch_size=None,
                                         num_workers=1)
    with pytest.raises(RuntimeError, match='in a worker'):
        list(loader)


class _ForbidComputeHook(Hook):
    """Runs after WarmNormalizeCacheHook: workers forked later inherit the
    refusal, so a sample computed in a worker fails the training."""

    def before_train(self, runner):
        dataset = runner.train_loop.dataloader.dataset
        while not hasattr(dataset, 'pipeline'):
            dataset = dataset.dataset
        self.transform = dataset.pipeline.transforms[0]
        _forbid_compute(self.transform)


def _runner(tmp_path, ann_file, warm: bool) -> Runner:
    cfg = load_config(osp.join(REPO, 'configs/brl/synthetic_lt.py'))
    shrink_config(cfg, ann_file, 4)
    cfg.train_dataloader.update(num_workers=2, persistent_workers=False)
    cfg.train_cfg.update(max_epochs=2, val_interval=3)
    cfg.param_scheduler[0].T_max = 2
    cfg.custom_hooks = [
        h for h in cfg.custom_hooks if h['type'] != 'WarmNormalizeCacheHook'
    ]
    if warm:
        set_custom_hook(cfg, type='WarmNormalizeCacheHook',
                        memory_cache_mb=64)
    cfg.work_dir = str(tmp_path / ('warm' if warm else 'cold'))
    runner = Runner.from_cfg(cfg)
    forbid = _ForbidComputeHook()
    runner.register_hook(forbid, 'LOWEST')
    return runner, forbid


def _log_text(runner) -> str:
    return open(osp.join(runner.log_dir, f'{runner.timestamp}.log')).read()


def test_hook_warms_before_the_workers_fork(tmp_path, synthetic_pickle):
    runner, forbid = _runner(tmp_path, synthetic_pickle['path'], warm=True)
    runner.train()  # two epochs of fresh workers, none computes
    transform = forbid.transform
    n_train = len(unwrap_dataset(runner.train_loop.dataloader.dataset))
    assert transform.stats['computed'] == n_train
    assert len(transform._memory) == n_train
    log = _log_text(runner)
    assert (f'WarmNormalizeCacheHook: LongTailPoseDataset: {n_train} of '
            f'{n_train} samples cached in memory') in log
    # without the hook the first worker computes and fails
    cold, _ = _runner(tmp_path, synthetic_pickle['path'], warm=False)
    with pytest.raises(RuntimeError, match='in a worker'):
        cold.train()


def test_hook_warns_when_the_budget_is_too_small(tmp_path, synthetic_pickle):
    cfg = load_config(osp.join(REPO, 'configs/brl/synthetic_lt.py'))
    shrink_config(cfg, synthetic_pickle['path'], 4)
    cfg.work_dir = str(tmp_path)
    runner = Runner.from_cfg(cfg)
    WarmNormalizeCacheHook(memory_cache_mb=0.001).before_train(runner)
    log = _log_text(runner)
    assert 'holds only 0 of' in log and 'set memory_cache_mb to about' in log
