"""Issue 16 items 1-4, 8 and the mistyping pass, as a user runs the tools:
every user error ends the output with one `error: ...` line naming the file
or key and the fix, exit code 2, no traceback on the console."""
import os
import os.path as osp
import pickle
import subprocess
import sys

import pytest
import torch

from brl_mm.engine.work_dir import WorkDirLock
from brl_mm.testing import REPO, load_config, shrink_config

TRAIN = osp.join(REPO, 'tools/train.py')
TEST = osp.join(REPO, 'tools/test.py')


def run(*args, cwd):
    proc = subprocess.run([sys.executable, *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)
    return proc.returncode, proc.stdout + proc.stderr, proc.stderr


def last_line(stderr):
    return stderr.strip().splitlines()[-1]


def assert_user_error(result, *needles):
    code, out, err = result
    assert code == 2, out[-3000:]
    assert 'Traceback' not in out, out[-3000:]
    line = last_line(err)
    assert line.startswith('error: '), err[-2000:]
    for needle in needles:
        assert needle in line, line
    return line


@pytest.fixture(scope='module')
def config(synthetic_pickle, tmp_path_factory):
    tmp = tmp_path_factory.mktemp('tools')
    cfg = load_config(osp.join(REPO, 'configs/brl/synthetic_lt.py'))
    shrink_config(cfg, synthetic_pickle['path'], 4)
    cfg.train_cfg.max_epochs = 2
    cfg.param_scheduler[0].T_max = 2
    path = str(tmp / 'tiny.py')
    cfg.dump(path)
    cfg.model.cls_head.num_classes = 5
    cfg.model.data_preprocessor.blending.num_classes = 5
    cfg.dump(str(tmp / 'tiny_5_classes.py'))
    return dict(path=path, five=str(tmp / 'tiny_5_classes.py'), tmp=tmp)


@pytest.fixture(scope='module')
def trained(config):
    work_dir = str(config['tmp'] / 'run')
    code, out, _ = run(TRAIN, config['path'], '--work-dir', work_dir,
                       '--seed', '0', cwd=str(config['tmp']))
    assert code == 0, out[-3000:]
    assert not [f for f in os.listdir(work_dir) if f.endswith('.tmp')]
    # item 9: a BRL run (mixup: soft labels) logs its training accuracy
    assert 'top1_acc' in out
    return work_dir


def test_wrong_config_path(config):
    assert_user_error(
        run(TRAIN, 'configs/brl/synthetic_lt_cpux.py', cwd=REPO),
        'config configs/brl/synthetic_lt_cpux.py not found',
        'did you mean configs/brl/synthetic_lt_cpu.py')
    assert_user_error(run(TEST, 'nope.py', 'x.pth', cwd=str(config['tmp'])),
                      'config nope.py not found')


def test_cfg_options_typo_is_refused_with_the_likely_key(config):
    assert_user_error(
        run(TRAIN, config['path'], '--work-dir', str(config['tmp'] / 'typo'),
            '--cfg-options', 'train_dataloader.batchsize=4',
            cwd=str(config['tmp'])),
        'the config has no train_dataloader.batchsize',
        'did you mean train_dataloader.batch_size?')


def test_wrong_checkpoint_path_and_foreign_files(config):
    tmp = config['tmp']
    (tmp / 'empty.pth').write_bytes(b'')
    assert_user_error(run(TEST, config['path'], 'missing.pth',
                          cwd=str(tmp)),
                      'CHECKPOINT: checkpoint missing.pth not found')
    assert_user_error(run(TRAIN, config['path'], '--work-dir',
                          str(tmp / 'badresume'), '--resume', 'empty.pth',
                          cwd=str(tmp)), '--resume: checkpoint empty.pth')
    assert_user_error(run(TEST, config['path'], 'empty.pth', cwd=str(tmp)),
                      'empty.pth', 'an empty file')
    (tmp / 'preds.pkl').write_bytes(pickle.dumps([{}]))
    assert_user_error(run(TEST, config['path'], 'preds.pkl', cwd=str(tmp)),
                      'preds.pkl', 'a pickled list, not a torch checkpoint')


def test_a_second_run_into_a_locked_work_dir_refuses(config):
    work_dir = str(config['tmp'] / 'locked')
    with WorkDirLock(work_dir):
        assert_user_error(
            run(TRAIN, config['path'], '--work-dir', work_dir,
                cwd=str(config['tmp'])),
            f'pid {os.getpid()}', 'is in use by another run')
    assert os.listdir(work_dir) == ['.brl_mm_run.lock']  # nothing written


def test_missing_data_file_ends_with_the_error_not_the_config(config):
    code, out, err = run(
        TRAIN, config['path'], '--work-dir', str(config['tmp'] / 'nodata'),
        '--cfg-options',
        'train_dataloader.dataset.dataset.ann_file=data/nope.pkl',
        cwd=str(config['tmp']))
    line = assert_user_error((code, out, err), 'nope.pkl')
    assert out.rstrip().endswith(line)
    assert '(traceback in ' in err  # the traceback went to the log file


def test_resume_skips_a_truncated_latest_checkpoint(config, trained):
    latest = osp.join(trained, 'epoch_2.pth')
    data = open(latest, 'rb').read()
    with open(latest, 'wb') as f:  # as a kill during the save left it
        f.write(data[:len(data) // 2])
    code, out, _ = run(TRAIN, config['path'], '--work-dir', trained,
                       '--seed', '0', '--resume', cwd=str(config['tmp']))
    assert code == 0, out[-3000:]
    assert f'--resume: skipped {latest}: it is a truncated' in out
    assert f'resuming from {osp.join(trained, "epoch_1.pth")}' in out
    torch.load(latest, weights_only=False)  # epoch 2 written again, whole


def test_checkpoint_of_another_model_is_refused(config, trained):
    ckpt = osp.join(trained, 'epoch_1.pth')
    line = assert_user_error(
        run(TEST, config['five'], ckpt, '--work-dir',
            str(config['tmp'] / 'test5'), cwd=str(config['tmp'])),
        ckpt, 'checkpoint has 4 classes, config has 5: wrong num_classes')
    assert '--allow-partial-load' in line
    code, out, err = run(TEST, config['five'], ckpt, '--allow-partial-load',
                         '--work-dir', str(config['tmp'] / 'test5'),
                         cwd=str(config['tmp']))
    assert '--allow-partial-load: checkpoint' in out
    assert f'Load checkpoint from {ckpt}' in out  # the partial load went on
    # (the metric then refuses 4 training counts for 5-class scores)
    assert code == 0 or 'LongTailMetric' in last_line(err)
    code, out, _ = run(TEST, config['path'], ckpt, '--work-dir',
                       str(config['tmp'] / 'test4'), cwd=str(config['tmp']))
    assert code == 0, out[-3000:]


def test_overwrite_moves_the_earlier_run_aside(config, trained):
    assert_user_error(run(TRAIN, config['path'], '--work-dir', trained,
                          cwd=str(config['tmp'])), '--overwrite')
    before = sorted(os.listdir(trained))
    code, out, _ = run(TRAIN, config['path'], '--work-dir', trained,
                       '--overwrite', '--cfg-options',
                       'train_cfg.max_epochs=1', cwd=str(config['tmp']))
    assert code == 0, out[-3000:]
    moved = [d for d in os.listdir(config['tmp'])
             if d.startswith('run.replaced-')]
    assert len(moved) == 1 and f'to {config["tmp"] / moved[0]}' in out
    assert sorted(os.listdir(config['tmp'] / moved[0])) == [
        f for f in before if f != '.brl_mm_run.lock']
    assert not osp.exists(osp.join(trained, 'epoch_2.pth'))
    assert osp.exists(osp.join(trained, 'epoch_1.pth'))
