"""Exact resume (issue 9, part 1): tools/train.py --seed 0 --deterministic for
3 epochs straight vs killed after epoch 1 (stage 1) or epoch 2 (stage 2) and
resumed with --resume: the final weights, optimizer state and validation
metrics are bitwise equal on CPU, with EpochSeedHook in custom_hooks."""
import glob
import json
import logging
import os.path as osp
import random
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.logging import MMLogger

from brl_mm.compat import load_from_local_trusted
from brl_mm.engine import EpochSeedHook, epoch_seed
from brl_mm.testing import REPO, load_config, set_custom_hook, shrink_config

EPOCHS = 3


def run_train(config, work_dir, *extra, cwd):
    proc = subprocess.run([
        sys.executable,
        osp.join(REPO, 'tools/train.py'), config, '--work-dir', work_dir,
        '--seed', '0', '--deterministic', *extra
    ],
                          cwd=cwd,
                          capture_output=True,
                          text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def resume_config(synthetic_pickle, tmp, num_workers):
    cfg = load_config(osp.join(REPO, 'configs/brl/synthetic_lt.py'))
    shrink_config(cfg, synthetic_pickle['path'], 4)
    cfg.train_cfg.max_epochs = EPOCHS
    cfg.param_scheduler[0].T_max = EPOCHS
    # epoch 0 is stage 1, epochs 1 and 2 are stage 2
    set_custom_hook(cfg, type='DetachedScheduleHook', switch_epoch=1)
    set_custom_hook(cfg, type='EpochSeedHook')
    if num_workers:
        cfg.train_dataloader.update(
            num_workers=num_workers,
            persistent_workers=False,
            worker_init_fn=dict(type='epoch_worker_init_fn'))
    config = str(tmp / f'resume_w{num_workers}.py')
    cfg.dump(config)
    return config


def val_metrics(work_dir):
    """Validation records of every scalars.json of a work dir, by step."""
    records = {}
    for path in glob.glob(osp.join(work_dir, '*', 'vis_data',
                                   'scalars.json')):
        with open(path) as f:
            for line in f:
                record = json.loads(line)
                if 'acc/top1' in record:
                    records[record['step']] = record
    return records


@pytest.fixture(scope='module', params=[0, 1], ids=['workers0', 'workers1'])
def runs(request, synthetic_pickle, tmp_path_factory):
    num_workers = request.param
    tmp = tmp_path_factory.mktemp(f'resume_w{num_workers}')
    config = resume_config(synthetic_pickle, tmp, num_workers)
    full = str(tmp / 'full')
    logs = dict(full=run_train(config, full, cwd=str(tmp)))
    dirs = dict(full=full)
    for killed_after in (1, 2):
        name = f'resumed_from_{killed_after}'
        dirs[name] = str(tmp / name)
        logs[name] = run_train(
            config, dirs[name], '--resume',
            osp.join(full, f'epoch_{killed_after}.pth'), cwd=str(tmp))
    return dict(dirs=dirs, logs=logs)


@pytest.mark.parametrize('killed_after', [1, 2],
                         ids=['in_stage1', 'in_stage2'])
def test_resumed_weights_and_optimizer_are_bitwise_equal(runs, killed_after):
    dirs = runs['dirs']
    log = runs['logs'][f'resumed_from_{killed_after}']
    assert f'resumed epoch: {killed_after}' in log
    full = load_from_local_trusted(osp.join(dirs['full'], 'epoch_3.pth'))
    resumed = load_from_local_trusted(
        osp.join(dirs[f'resumed_from_{killed_after}'], 'epoch_3.pth'))
    assert full['state_dict'].keys() == resumed['state_dict'].keys()
    differing = [
        k for k, v in full['state_dict'].items()
        if not torch.equal(v, resumed['state_dict'][k])
    ]
    assert not differing, differing
    # the loss's stage buffer: the resumed run ended in stage 2 too
    stage = [v for k, v in full['state_dict'].items() if k.endswith('.stage')]
    assert stage and all(float(s) == 2 for s in stage)
    for key, state in full['optimizer']['state'].items():
        for name, value in state.items():
            other = resumed['optimizer']['state'][key][name]
            assert torch.equal(value, other), (key, name)
    assert full['meta']['iter'] == resumed['meta']['iter']


@pytest.mark.parametrize('killed_after', [1, 2],
                         ids=['in_stage1', 'in_stage2'])
def test_resumed_metrics_are_equal(runs, killed_after):
    full = val_metrics(runs['dirs']['full'])
    resumed = val_metrics(runs['dirs'][f'resumed_from_{killed_after}'])
    assert sorted(full) == [1, 2, 3]
    assert sorted(resumed) == list(range(killed_after + 1, EPOCHS + 1))
    for step in resumed:
        a = {k: v for k, v in full[step].items() if '/' in k}
        b = {k: v for k, v in resumed[step].items() if '/' in k}
        assert a == b, step


def test_epoch_seed_is_a_fixed_function():
    assert epoch_seed(0, 1) == epoch_seed(0, 1)
    assert len({epoch_seed(s, e) for s in range(3) for e in range(3)}) == 9
    assert epoch_seed(0, 1, rank=1) != epoch_seed(0, 1, rank=0)
    assert 0 <= epoch_seed(2**40, 10**6) < 2**32


def _fake_runner(epoch, seed=0, num_workers=0, persistent=False):
    loader = SimpleNamespace(num_workers=num_workers,
                             persistent_workers=persistent)
    return SimpleNamespace(seed=seed, epoch=epoch, rank=0,
                           _randomness_cfg=dict(seed=seed),
                           train_dataloader=loader)


def test_epoch_seed_hook_makes_the_rng_a_function_of_the_epoch():
    hook = EpochSeedHook()

    def draws(epoch):
        hook.before_train_epoch(_fake_runner(epoch))
        return (torch.rand(3).tolist(), np.random.rand(3).tolist(),
                random.random())

    first = draws(2)
    torch.rand(100), np.random.rand(100)  # whatever ran in between
    assert draws(2) == first
    assert draws(3) != first
    assert hook.last_epoch_seed == epoch_seed(0, 3)


def test_epoch_seed_hook_warns_about_persistent_workers():
    messages = []

    class Capture(logging.Handler):

        def emit(self, record):
            messages.append(record.getMessage())

    logger = MMLogger.get_current_instance()
    handler = Capture()
    logger.addHandler(handler)
    try:
        EpochSeedHook().before_train(_fake_runner(0, num_workers=2,
                                                  persistent=True))
        EpochSeedHook().before_train(_fake_runner(0, num_workers=2))
    finally:
        logger.removeHandler(handler)
    assert len([m for m in messages if 'persistent workers' in m]) == 1
    with pytest.raises(TypeError, match='seed must be an int'):
        EpochSeedHook(seed='0')
