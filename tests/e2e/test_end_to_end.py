"""End to end, as a user runs it: tools/train.py for 2 epochs, --resume from
epoch 1, tools/test.py --dump, tools/lt_report.py, all in a temp dir."""
import glob
import json
import os.path as osp
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch

from brl_mm.compat import load_from_local_trusted
from brl_mm.testing import REPO, load_config, shrink_config


def run_tool(*args, cwd):
    result = subprocess.run([sys.executable, *args], cwd=cwd,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


@pytest.fixture(scope='module')
def trained(synthetic_pickle, tmp_path_factory):
    tmp = tmp_path_factory.mktemp('e2e')
    cfg = load_config(osp.join(REPO, 'configs/brl/synthetic_lt.py'))
    shrink_config(cfg, synthetic_pickle['path'], 4)
    cfg.train_cfg.max_epochs = 2
    cfg.param_scheduler[0].T_max = 2
    config = str(tmp / 'tiny_synthetic.py')
    cfg.dump(config)
    full = str(tmp / 'full')
    resumed = str(tmp / 'resumed')
    train = osp.join(REPO, 'tools/train.py')
    log_full = run_tool(train, config, '--work-dir', full, '--seed', '0',
                        '--deterministic', cwd=str(tmp))
    log_resumed = run_tool(train, config, '--work-dir', resumed, '--seed',
                           '0', '--deterministic', '--resume',
                           osp.join(full, 'epoch_1.pth'), cwd=str(tmp))
    dump = osp.join(resumed, 'preds.pkl')
    log_test = run_tool(osp.join(REPO, 'tools/test.py'), config,
                        osp.join(resumed, 'epoch_2.pth'), '--work-dir',
                        resumed, '--dump', dump, cwd=str(tmp))
    return dict(config=config, full=full, resumed=resumed, dump=dump,
                log_full=log_full, log_resumed=log_resumed,
                log_test=log_test, data=synthetic_pickle['data'])


def test_training_writes_checkpoints_and_validation_metrics(trained):
    full = trained['full']
    for name in ('epoch_1.pth', 'epoch_2.pth', 'last_checkpoint',
                 'tiny_synthetic.py'):
        assert osp.exists(osp.join(full, name)), name
    assert glob.glob(osp.join(full, 'best_lt_top1_epoch_*.pth'))
    scalars = glob.glob(osp.join(full, '*', 'vis_data', 'scalars.json'))
    records = [json.loads(line) for line in open(scalars[0])]
    val = [r for r in records if 'acc/top1' in r]
    assert [r['step'] for r in val] == [1, 2]
    assert all(0 <= r['acc/top1'] <= 1 for r in val)
    losses = [r['loss'] for r in records if 'loss' in r]
    assert losses and all(np.isfinite(losses))


def test_resume_continues_from_epoch_1(trained):
    log = trained['log_resumed']
    assert 'resumed epoch: 1' in log
    assert 'weights_only=False because you named it' in log
    resumed = trained['resumed']
    assert not osp.exists(osp.join(resumed, 'epoch_1.pth'))
    ckpt = load_from_local_trusted(osp.join(resumed, 'epoch_2.pth'))
    full = load_from_local_trusted(osp.join(trained['full'], 'epoch_2.pth'))
    assert ckpt['meta']['epoch'] == full['meta']['epoch'] == 2
    assert ckpt['meta']['iter'] == full['meta']['iter']
    assert ckpt['state_dict'].keys() == full['state_dict'].keys()
    # the resumed run started from epoch 1's weights, not from scratch
    start = load_from_local_trusted(osp.join(trained['full'], 'epoch_1.pth'))
    assert ckpt['optimizer']['state'].keys() == \
        start['optimizer']['state'].keys()


def test_dump_holds_every_test_sample_with_its_id(trained):
    with open(trained['dump'], 'rb') as f:
        samples = pickle.load(f)
    val_ids = trained['data']['split']['xsub_val']
    assert sorted(s['frame_dir'] for s in samples) == sorted(val_ids)
    scores = torch.stack([s['pred_score'] for s in samples])
    assert scores.shape == (len(val_ids), 4)
    torch.testing.assert_close(scores.sum(1), torch.ones(len(val_ids)))
    labels = {a['frame_dir']: a['label']
              for a in trained['data']['annotations']}
    assert all(int(s['gt_label']) == labels[s['frame_dir']]
               for s in samples)


def test_test_metrics_match_the_dump(trained):
    # mmengine writes the test metrics to <work_dir>/<timestamp>/<timestamp>.json
    runs = sorted(p for p in glob.glob(osp.join(trained['resumed'], '*'))
                  if osp.isfile(osp.join(p, osp.basename(p) + '.json')))
    log_dir = runs[-1]
    result = json.load(open(osp.join(log_dir, osp.basename(log_dir) + '.json')))
    with open(trained['dump'], 'rb') as f:
        samples = pickle.load(f)
    top1 = np.mean([int(s['pred_label']) == int(s['gt_label'])
                    for s in samples])
    assert result['acc/top1'] == pytest.approx(top1, abs=1e-4)
    assert result['lt/top1'] == pytest.approx(top1, abs=1e-4)
    assert 'lt/few' in result  # train counts reached the metric
    # the long-tail metric's per-class files and plot, next to the log
    for name in ('lt_per_class.csv', 'lt_per_class.json',
                 'lt_per_class.png'):
        assert osp.isfile(osp.join(log_dir, name)), name


def test_lt_report_prints_the_table(trained):
    out = run_tool(osp.join(REPO, 'tools/lt_report.py'), trained['dump'],
                   '--config', trained['config'], '--names', 'tiny',
                   cwd=osp.dirname(trained['config']))
    row = [line for line in out.splitlines() if line.startswith('| tiny')]
    assert len(row) == 1 and len(row[0].split('|')) == 8
    assert 'many > 100: 0 classes, medium: 0, few < 20: 4;' in out
