"""benchmarks/effect/data_stats.py and lt_data_stats.py: the statistics that
compare generated with recorded skeletons, on hand-made and generated takes."""
import os.path as osp
import pickle
import sys

import numpy as np
import pytest

from brl_mm.testing import REPO

sys.path.insert(0, osp.join(REPO, 'benchmarks'))
import lt_data_stats as C  # noqa: E402
from effect import data_stats as S  # noqa: E402


def _take(label, yaw_deg=0.0, scale=1.0, frames=10, seed=0, noise=0.0):
    """A standing NTU-25 body (bones of known length) turned by ``yaw``,
    its right hand moving; ``(1, T, 25, 3)``."""
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(25, 3)) * 0.3
    for a, b in S.BODY_BONES:  # unit-length body bones
        d = base[b] - base[a]
        base[b] = base[a] + d / np.linalg.norm(d) * 0.25
    base[S.SHOULDERS[0]] = base[20] + [-0.2, 0, 0]
    base[S.SHOULDERS[1]] = base[20] + [0.2, 0, 0]
    kp = np.repeat(base[None], frames, 0) * scale
    kp[:, 11, 1] += np.linspace(0, 0.3 * (1 + label), frames)
    kp += rng.normal(scale=noise, size=kp.shape)
    yaw = np.radians(yaw_deg)
    rot = np.array([[np.cos(yaw), 0, np.sin(yaw)], [0, 1, 0],
                    [-np.sin(yaw), 0, np.cos(yaw)]])
    kp = kp @ rot.T + [0, 0, 3]
    return dict(frame_dir=f'{label}_{yaw_deg}_{seed}', label=label,
                total_frames=frames, keypoint=kp[None].astype(np.float32))


def test_motion_stats_of_hand_made_takes():
    takes = [_take(0, frames=8), _take(1, frames=12, scale=1.2)]
    stats = S.motion_stats(takes)
    assert stats['takes'] == 2 and stats['frames_median'] == 10
    assert stats['bone_cv_within_take'] < 1e-6  # rigid bones
    # 16 body bones, the shoulders' own lengths differ from 0.25
    sizes = [np.median(S._bone_lengths(t['keypoint'][0].astype(float))
                       .sum(1)) for t in takes]
    assert sizes[1] == pytest.approx(1.2 * sizes[0], rel=1e-5)
    assert stats['body_size_cv'] == pytest.approx(
        np.std(sizes) / np.mean(sizes), rel=1e-5)
    assert stats['facing_spread_deg'] == pytest.approx(0, abs=1e-3)
    turned = S.motion_stats([_take(0, yaw_deg=y) for y in (-30, 30)])
    # two directions 60 degrees apart: R = cos(30 deg)
    assert turned['facing_spread_deg'] == pytest.approx(
        np.degrees(np.sqrt(-2 * np.log(np.cos(np.radians(30))))), rel=1e-3)
    noisy = S.motion_stats([_take(0, noise=0.01)])
    assert noisy['bone_cv_within_take'] > 0.01
    assert noisy['jitter_per_body'] > S.motion_stats(
        [_take(0)])['jitter_per_body']


def test_take_features_are_the_stock_pre_normalized_take():
    """take_features normalises with the vectorized stand-in: the same
    floats as mmaction's PreNormalize3D, also with empty frames and a
    second person."""
    from mmaction.datasets.transforms import PreNormalize3D
    one = _take(0, frames=20, noise=0.01)
    one['keypoint'][0, [0, 7, 19]] = 0  # frames without a joint
    two = dict(one, keypoint=np.concatenate(
        [one['keypoint'], _take(1, frames=20, seed=3)['keypoint']]))
    two['keypoint'][0, :12] = 0  # the first person is the shorter one
    for ann in (one, two):
        stock = PreNormalize3D()(dict(keypoint=ann['keypoint'].copy(),
                                      total_frames=ann['total_frames']))
        kp = stock['keypoint'][0]
        t = np.linspace(0, kp.shape[0] - 1,
                        S.RESAMPLED_FRAMES).round().astype(int)
        np.testing.assert_array_equal(S.take_features(ann),
                                      kp[t].reshape(-1))


def test_nearest_neighbour_counts_the_rare_classes():
    train = [_take(c, seed=c) for c in (0, 0, 0, 1, 1, 2, 3, 3)]
    test = [_take(c, seed=c, noise=0.001) for c in range(4)]
    result = S.nearest_neighbour(train, test, 4)
    assert result == dict(top1=1.0, mean_class=1.0, tail=1.0,
                          per_class=[1.0] * 4, train_counts=[3, 2, 1, 2])
    # a test take of class 2 that looks like class 0: the rarest class
    # (2, one training take; round(0.25 * 4) = 1 class) is missed
    test[2] = dict(_take(0, seed=0, noise=0.001), label=2)
    result = S.nearest_neighbour(train, test, 4)
    assert result['top1'] == 0.75 and result['mean_class'] == 0.75
    assert result['tail'] == 0.0
    assert result['per_class'] == [1.0, 1.0, 0.0, 1.0]
    # a label without test takes is NaN there, and left out of the means
    result = S.nearest_neighbour(train, test[:3], 4)
    assert np.isnan(result['per_class'][3]) and result['mean_class'] == 2 / 3


def test_cli_on_a_pickle_and_generated_data(tmp_path, capsys):
    data = dict(split=dict(xsub_train=[], xsub_val=[]), annotations=[],
                classes=['a', 'b'])
    for split, seed in (('xsub_train', 0), ('xsub_val', 5)):
        for c in (0, 0, 1):
            take = _take(c, seed=seed + c + len(data['annotations']))
            data['annotations'].append(take)
            data['split'][split].append(take['frame_dir'])
    path = tmp_path / 'two.pkl'
    path.write_bytes(pickle.dumps(data))
    assert C.main([str(path), '--synthetic-utk-seeds', '0']) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith('| data | train takes |')
    assert out[2].startswith('| two.pkl | 3 |')
    assert out[3].startswith('| synthetic_utk, generator seed 0 | 36 |')
    assert C.main([str(tmp_path / 'none.pkl')]) == 2
    assert 'no such pickle' in capsys.readouterr().err
    del data['split']['xsub_val']
    path.write_bytes(pickle.dumps(data))
    assert C.main([str(path)]) == 2
    assert 'needs splits' in capsys.readouterr().err


def test_cli_per_class_table(tmp_path, capsys):
    data = dict(split=dict(xsub_train=[], xsub_val=[]), annotations=[],
                classes=['a', 'b'])
    for split, labels in (('xsub_train', (0, 0, 1)), ('xsub_val', (0, 1))):
        for c in labels:
            take = _take(c, seed=c + len(data['annotations']))
            data['annotations'].append(take)
            data['split'][split].append(take['frame_dir'])
    path = tmp_path / 'two.pkl'
    path.write_bytes(pickle.dumps(data))
    expected = S.nearest_neighbour(
        S.split_annotations(data, 'xsub_train'),
        S.split_annotations(data, 'xsub_val'), 2)['per_class']
    assert C.main([str(path), str(path), '--per-class']) == 0
    out = capsys.readouterr().out.split('\n\n')[1].splitlines()
    assert out[0] == '| label | two.pkl | two.pkl |'
    cells = [f'{100 * v:.0f}' for v in expected]
    assert out[2] == f'| 0 a | {cells[0]} (2) | {cells[0]} (2) |'
    assert out[3] == f'| 1 b | {cells[1]} (1) | {cells[1]} (1) |'
