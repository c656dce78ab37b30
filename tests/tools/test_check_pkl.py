"""tools/data/check_pkl.py: the skeleton pickle validator (issue 17 item 4)."""
import os
import os.path as osp
import pickle
import runpy
import subprocess

import numpy as np
import pytest

from brl_mm.evaluation import LongTailMetric
from brl_mm.testing import PYTHON, REPO, write_skeleton_pickle

TOOL = osp.join(REPO, 'tools', 'data', 'check_pkl.py')
REAL = '/work/shared/data/real/utkinect_ntu25.pkl'
check_pkl = runpy.run_path(TOOL)


def run(argv, capsys):
    code = check_pkl['main'](argv)
    out, err = capsys.readouterr()
    return code, out, err


def run_cli(*argv):
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1')
    return subprocess.run([PYTHON, TOOL, *argv], capture_output=True,
                          text=True, env=env, cwd=REPO, timeout=300)


@pytest.fixture
def tiny(tmp_path):
    """train 8/4/2/1 and val 2 per class, 12 frames, 3 class names."""
    path = str(tmp_path / 'tiny.pkl')
    labels = [0] * 8 + [1] * 4 + [2] * 2 + [3] + [0, 0, 1, 1, 2, 2, 3, 3]
    write_skeleton_pickle(path, labels, dict(xsub_train=range(15),
                                             xsub_val=range(15, 23)),
                          classes=['a', 'b', 'c', 'd'])
    return path


def test_thresholds_are_the_metrics():
    metric = LongTailMetric()
    assert (check_pkl['MANY_THR'], check_pkl['FEW_THR']) == (
        metric.many_thr, metric.few_thr)


def test_clean_pickle_report(tiny, capsys):
    code, out, _ = run([tiny, '--many-thr', '5', '--few-thr', '2'], capsys)
    assert code == 0
    assert '23 annotations, 2 split(s), 4 class names' in out
    assert 'frames (T): min 12, median 12, mean 12.0, max 12' in out
    assert 'persons (M): 1: 23' in out
    assert ("split 'xsub_train': 15 ids, 15 labelled samples; frames min "
            '12, median 12, mean 12.0, max 12') in out
    # 8 > 5 many; 4 and 2 medium; 1 < 2 few
    assert ("shot groups from 'xsub_train' (LongTailMetric: many > 5, few < "
            '2): many 1, medium 2, few 1; counts 8..1, imbalance 8.0') in out
    rows = [line.split() for line in out.splitlines()
            if line.startswith('  0 a') or line.startswith('  3 d')]
    assert rows == [['0', 'a', '10', '8', '2', 'many'],
                    ['3', 'd', '3', '1', '2', 'few']]
    assert out.rstrip().endswith('result: 0 error(s), 0 warning(s) - OK')
    _, out, _ = run([tiny, '--max-rows', '2'], capsys)
    assert [line.split()[0] for line in out.splitlines()
            if line.startswith('  ') and 'group' not in line] == [
                '0', '...', '3']
    assert '  ... (2 more)' in out


def test_every_problem_reported_at_once(tmp_path, capsys):
    path = str(tmp_path / 'bad.pkl')
    ids = write_skeleton_pickle(path, [0, 0, 1, 1, 2, 2, 0, 1],
                                dict(xsub_train=range(6),
                                     xsub_val=range(5, 8)))
    with open(path, 'rb') as f:
        data = pickle.load(f)
    anns = data['annotations']
    anns[0]['label'] = 'walk'
    anns[1]['keypoint'][0, 3, 4, 1] = np.nan
    anns[2]['keypoint'] = anns[2]['keypoint'][:, :, :17]
    del anns[3]['keypoint']
    anns[4]['total_frames'] = 99
    anns.append(dict(anns[6]))
    data['split']['xsub_val'].append('ghost')
    with open(path, 'wb') as f:
        pickle.dump(data, f)
    code, out, _ = run([path], capsys)
    assert code == 1
    for tag in ('[label_type]', '[duplicate_id]', '[nonfinite]',
                '[joint_count]', '[keypoint_missing]', '[total_frames]',
                '[split_overlap]', '[split_ids]'):
        assert tag in out, tag
    assert f"sample '{ids[0]}' has label 'walk' of type str" in out
    assert f"sample '{ids[2]}' has keypoints of shape (1, 12, 17, 3)" in out
    assert f"(first: ['{ids[5]}'])" in out  # train/val overlap
    assert out.rstrip().endswith('result: 7 error(s), 1 warning(s)')


def test_many_problems_of_a_kind_are_capped(tmp_path, capsys):
    path = str(tmp_path / 'v17.pkl')
    write_skeleton_pickle(path, [0, 1] * 4, dict(train=range(8)),
                          num_joints=17)
    code, out, _ = run([path, '--max-listed', '2'], capsys)
    assert code == 1
    assert out.count('[joint_count] ') == 3
    assert '[joint_count] ... and 6 more like this' in out
    code, out, _ = run([path, '--layout', 'none'], capsys)
    assert code == 0 and '17 joints x8' in out


def test_2d_layout_needs_scores(tmp_path, capsys):
    path = str(tmp_path / 'coco.pkl')
    write_skeleton_pickle(path, [0, 1], dict(train=range(2)), num_joints=17,
                          channels=2, with_score=False)
    code, out, _ = run([path, '--layout', 'coco'], capsys)
    assert code == 1 and out.count('[keypoint_score]') == 2
    assert "img_shape: none (mmaction's PreNormalize2D then assumes 1080 x " \
        '1920 pixels)' in out


def test_split_and_class_arguments(tiny, tmp_path, capsys):
    code, out, _ = run([tiny, '--split', 'train'], capsys)
    assert code == 1
    assert "split 'train' is not in" in out and "['xsub_train', 'xsub_val']" \
        in out
    code, out, _ = run([tiny, '--num-classes', '5'], capsys)
    assert code == 1 and 'num_classes=5 but' in out
    listed = str(tmp_path / 'list.pkl')
    with open(tiny, 'rb') as f:
        anns = pickle.load(f)['annotations']
    with open(listed, 'wb') as f:
        pickle.dump(anns, f)
    code, out, _ = run([listed, '--split', 'xsub_train'], capsys)
    assert code == 1 and 'Set `split=None`' in out
    code, out, _ = run([listed], capsys)
    assert code == 0 and 'schema: list of annotations' in out


def test_empty_class_in_the_training_split(tmp_path, capsys):
    path = str(tmp_path / 'gap.pkl')
    write_skeleton_pickle(path, [0, 0, 2, 1, 2], dict(
        xsub_train=range(3), xsub_val=range(3, 5)))
    code, out, _ = run([path], capsys)
    assert code == 1
    assert "split 'xsub_train': 1 of 3 classes have no training sample " \
        '(first: [1])' in out
    assert "split 'xsub_val' has no sample of 1 class(es) (first: [0])" in out


def test_exit_codes_without_traceback(tiny, tmp_path, capsys):
    result = run_cli(str(tmp_path / 'nope.pkl'))  # the real command line
    assert result.returncode == 2
    assert 'nope.pkl not found' in result.stderr
    assert 'Traceback' not in result.stderr
    broken = tmp_path / 'broken.pkl'
    broken.write_bytes(b'not a pickle')
    code, _, err = run([str(broken), '--layout', 'ntu'], capsys)
    assert code == 2 and "unknown layout 'ntu'" in err
    code, out, err = run([str(broken)], capsys)
    assert code == 2 and 'broken.pkl could not be read' in err
    assert out == ''


@pytest.mark.skipif(not osp.isfile(REAL), reason='real UTKinect pickle absent')
def test_real_utkinect_pickle(capsys):
    code, out, _ = run([REAL, '--layout', 'nturgb+d', '--num-classes', '10',
                        '--split', 'xsub_train'], capsys)
    assert code == 0, out
    assert '199 annotations, 2 split(s), 10 class names' in out
    assert "split 'xsub_train': 100 ids, 100 labelled samples; frames" in out
    assert 'many 0, medium 0, few 10' in out
    assert 'frames (T): min 5, median 28, mean 30.4, max 170' in out
