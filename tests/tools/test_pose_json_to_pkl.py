"""tools/data/pose_json_to_pkl.py (issue 17 item 3): a folder of pose files
the test writes (mmpose predictions JSON and rtmlib-style .npz) to a 2D
skeleton pickle, then check_pkl, lt_split_tool and a short training run on it.
"""
import json
import os
import os.path as osp
import pickle
import re
import runpy
import subprocess

import numpy as np
import pytest

import brl_mm  # noqa: F401
from brl_mm.datasets import LongTailPoseDataset
from brl_mm.testing import PYTHON, REPO, load_config, shrink_config

TOOL = osp.join(REPO, 'tools', 'data', 'pose_json_to_pkl.py')
convert = runpy.run_path(TOOL)['main']


def run_cli(tool, *argv, cwd=REPO):
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1')
    return subprocess.run([PYTHON, osp.join(REPO, tool), *argv],
                          capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=600)


def actor(label, t, V=17):
    """A person whose joints swing with a class-dependent rhythm."""
    base = np.stack([np.linspace(300, 340, V), np.linspace(200, 400, V)], 1)
    base[:, 0] += 30 * np.sin((label + 1) * 0.7 * t)
    return base


def instance(kp, score):
    lo, hi = kp.min(0), kp.max(0)
    return dict(keypoints=kp.tolist(), keypoint_scores=[score] * len(kp),
                bbox=[[*lo.tolist(), *hi.tolist()]], bbox_score=0.9)


def write_video(path, label, frames, rng, V=17, fmt='json'):
    """An actor plus a faint bystander (missing in some frames), in random
    detection order."""
    by_frame = []
    for t in range(frames):
        people = [(actor(label, t, V), 0.9)]
        if t % 3:
            people.append((np.stack([np.full(V, 900.0), np.linspace(
                100, 300, V)], 1) + rng.normal(0, 0.5, (V, 2)), 0.4))
        by_frame.append([people[i] for i in rng.permutation(len(people))])
    if fmt == 'json':
        path.write_text(json.dumps([
            dict(frame_id=t, instances=[instance(kp, s) for kp, s in people])
            for t, people in enumerate(by_frame)]))
    else:  # rtmlib-style padded arrays, NaN for an absent person
        kps = np.full((frames, 2, V, 2), np.nan)
        scores = np.zeros((frames, 2, V))
        for t, people in enumerate(by_frame):
            for n, (kp, s) in enumerate(people):
                kps[t, n], scores[t, n] = kp, s
        np.savez(path, keypoints=kps, scores=scores)


def pose_folder(root, sizes, seed=0, V=17):
    """root/<class>/<class>_<i>.json (the last class as .npz)."""
    rng = np.random.default_rng(seed)
    names = list(sizes)
    for label, name in enumerate(names):
        (root / name).mkdir(parents=True)
        fmt = 'npz' if label == len(names) - 1 else 'json'
        for i in range(sizes[name]):
            write_video(root / name / f'{name}_{i:02d}.{fmt}', label,
                        int(rng.integers(10, 17)), rng, V, fmt)
    return str(root)


def test_folder_to_long_tailed_training(tmp_path):
    root = pose_folder(tmp_path / 'poses', dict(clap=12, jump=6, wave=3))
    out = str(tmp_path / 'mine.pkl')
    result = run_cli('tools/data/pose_json_to_pkl.py', root, out,
                     '--img-shape', '1080', '1920')
    assert result.returncode == 0, result.stderr
    assert f'wrote 21 videos to {out} (train: 17, val: 4; 3 classes)' in \
        result.stdout
    with open(out, 'rb') as f:
        data = pickle.load(f)
    assert data['classes'] == ['clap', 'jump', 'wave']
    # round(0.2 * n) of each class in val: 2, 1, 1
    assert [sum(a['label'] == c for a in data['annotations']
                if a['frame_dir'] in data['split']['val'])
            for c in range(3)] == [2, 1, 1]
    ann = next(a for a in data['annotations'] if a['frame_dir'] == 'wave_00')
    T = ann['total_frames']
    assert ann['keypoint'].shape == (2, T, 17, 2)
    assert ann['keypoint'].dtype == np.float32
    assert ann['keypoint_score'].shape == (2, T, 17)
    assert ann['img_shape'] == (1080, 1920)
    # track 0 is the actor in every frame despite the shuffled order
    np.testing.assert_allclose(
        ann['keypoint'][0, :, 0, 0],
        [actor(2, t)[0, 0] for t in range(T)], rtol=1e-6)
    assert (ann['keypoint_score'][1, 0::3] == 0).all()  # bystander absent

    result = run_cli('tools/data/check_pkl.py', out, '--layout', 'coco',
                     '--num-classes', '3')
    assert result.returncode == 0, result.stdout
    assert 'result: 0 error(s)' in result.stdout

    lt_list = str(tmp_path / 'mine_lt.txt')
    result = run_cli('tools/data/lt_split_tool.py', 'build', out, '--split',
                     'train', '--imbalance-factor', '4', '--n-max', '8',
                     '--out', lt_list)
    assert result.returncode == 0, result.stderr
    dataset = LongTailPoseDataset(out, pipeline=[], split='train',
                                  layout='coco', lt_split_file=lt_list)
    assert dataset.class_counts.tolist() == [8, 4, 2]  # 8 * 4 ** (-c / 2)

    # the K400 (COCO-17, 2D) config trains and validates on it
    cfg = load_config(osp.join(REPO, 'configs/brl/k400/brl_stgcnpp_k400_j.py'))
    shrink_config(cfg, out, 3)
    cfg.train_dataloader.dataset.dataset.lt_split_file = lt_list
    cfg.train_cfg.max_epochs = 1
    cfg.param_scheduler[0].T_max = 1
    for hook in cfg.custom_hooks:
        if hook.type == 'DetachedScheduleHook':
            hook.switch_epoch = 1
    config = str(tmp_path / 'k400_mine.py')
    cfg.dump(config)
    work = str(tmp_path / 'work')
    result = run_cli('tools/train.py', config, '--work-dir', work,
                     '--seed', '0', cwd=str(tmp_path))
    assert result.returncode == 0, result.stdout[-3000:] + \
        result.stderr[-3000:]
    assert osp.isfile(osp.join(work, 'epoch_1.pth'))
    assert 'lt/top1' in result.stdout + result.stderr


def test_csv_labels_split_column_and_motion(tmp_path, capsys):
    root = tmp_path / 'flat'
    root.mkdir()
    rng = np.random.default_rng(1)
    rows = ['video,label,fold']
    for i in range(6):
        write_video(root / f'v{i}.json', i % 2, 8, rng)
        rows.append(f'v{i}.mp4,{["sit", "stand"][i % 2]},'
                    f'{"test" if i >= 4 else "train"}')
    (tmp_path / 'labels.csv').write_text('\n'.join(rows) + '\n')
    out = str(tmp_path / 'csv.pkl')
    assert convert([str(root), out, '--labels', str(tmp_path / 'labels.csv'),
                    '--split-column', 'fold', '--num-person', '1',
                    '--select', 'motion']) == 0
    with open(out, 'rb') as f:
        data = pickle.load(f)
    assert data['split'] == dict(train=['v0', 'v1', 'v2', 'v3'],
                                 test=['v4', 'v5'])
    assert data['classes'] == ['sit', 'stand']
    assert [a['label'] for a in data['annotations']] == [0, 1, 0, 1, 0, 1]
    assert {a['keypoint'].shape[0] for a in data['annotations']} == {1}
    assert 'img_shape' not in data['annotations'][0]


def test_never_overwrites_without_force(tmp_path, capsys):
    root = pose_folder(tmp_path / 'p', dict(a=2, b=2))
    out = tmp_path / 'o.pkl'
    out.write_bytes(b'mine')
    assert convert([root, str(out)]) == 2
    assert 'o.pkl exists; pass --force' in capsys.readouterr().err
    assert out.read_bytes() == b'mine'
    assert convert([root, str(out), '--force', '--val-fraction', '0']) == 0
    with open(out, 'rb') as f:
        assert list(pickle.load(f)['split']) == ['train']


def test_malformed_file_exits_2_naming_file_and_frame(tmp_path):
    root = pose_folder(tmp_path / 'p', dict(a=2, b=1))
    bad = tmp_path / 'p' / 'a' / 'a_01.json'
    frames = json.loads(bad.read_text())
    frames[4]['instances'][0]['keypoints'] = [[1, 2, 3]] * 17
    bad.write_text(json.dumps(frames))
    out = str(tmp_path / 'o.pkl')
    result = run_cli('tools/data/pose_json_to_pkl.py', root, out)
    assert result.returncode == 2
    assert f'error: {bad}: frame 4 (frame_id 4) instance 0: "keypoints" has '\
        'shape (17, 3)' in result.stderr
    assert 'Traceback' not in result.stderr
    assert not osp.exists(out)


@pytest.mark.parametrize('argv, message', [
    (['--layout', 'nturgb+d'], r"'nturgb\+d' is not a 2D layout"),
    (['--split-column', 'x'], '--split-column needs --labels'),
    (['--val-fraction', '1'], r'--val-fraction must be in \[0, 1\)'),
])
def test_bad_arguments(tmp_path, capsys, argv, message):
    root = pose_folder(tmp_path / 'p', dict(a=1))
    assert convert([root, str(tmp_path / 'o.pkl'), *argv]) == 2
    assert re.search(message, capsys.readouterr().err)


def test_larger_skeletons_and_empty_videos(tmp_path, capsys):
    root = pose_folder(tmp_path / 'p', dict(a=2, b=1), V=26)  # Halpe-26
    out = str(tmp_path / 'o.pkl')
    assert convert([root, out]) == 2
    assert 'persons have 26 joints, the layout 17. Pass ' \
        '--take-first-joints' in capsys.readouterr().err
    (tmp_path / 'p' / 'b' / 'b_empty.json').write_text(json.dumps(
        [dict(frame_id=t, instances=[]) for t in range(5)]))
    assert convert([root, out, '--take-first-joints']) == 0
    captured = capsys.readouterr()
    assert "skipped 1 video(s) without any person: ['b_empty']" in \
        captured.err
    with open(out, 'rb') as f:
        data = pickle.load(f)
    assert [a['keypoint'].shape[2] for a in data['annotations']] == [17] * 3
    ann = data['annotations'][0]
    np.testing.assert_allclose(ann['keypoint'][0, 0],
                               actor(0, 0, V=26)[:17], rtol=1e-6)
