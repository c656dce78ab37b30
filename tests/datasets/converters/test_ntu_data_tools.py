"""NTU ``.skeleton`` -> pickle conversion and the LT split tool, on small
hand-written files in the official text format."""
import importlib.util
import os.path as osp
import pickle

import numpy as np
import pytest

from brl_mm.datasets.converters.ntu_raw import (denoise_bodies, official_splits,
                                     parse_sample_name, parse_skeleton_text,
                                     skeleton_file_to_annotation)
from brl_mm.testing import REPO

BODY_A, BODY_B, BODY_C = '72057594037931101', '72057594037931102', '7205'


def joint_rows(xyz):
    """25 joint lines: x y z depthX depthY colorX colorY oW oX oY oZ state."""
    return [f'{x:.4f} {y:.4f} {z:.4f} 250.1 190.2 960.5 540.3 '
            '0.1 0.2 0.3 0.4 2' for x, y, z in xyz]


def skeleton_text(frames):
    """frames: list of {body_id: (25, 3) array}."""
    lines = [str(len(frames))]
    for bodies in frames:
        lines.append(str(len(bodies)))
        for body_id, xyz in bodies.items():
            lines.append(f'{body_id} 0 1 1 1 1 0 -0.2 0.1 2')
            lines.append('25')
            lines += joint_rows(xyz)
    return '\n'.join(lines) + '\n'


def pose(value, moving=0.0, t=0):
    xyz = np.full((25, 3), value, dtype=np.float32)
    xyz[:, 0] += moving * t
    return xyz


def test_parse_official_format():
    text = ('2\n'
            '1\n'
            f'{BODY_A} 0 1 1 1 1 0 -0.2 0.1 2\n'
            '25\n' + '\n'.join(joint_rows(np.arange(75).reshape(25, 3)))
            + '\n0\n')
    frames = parse_skeleton_text(text)
    assert len(frames) == 2 and frames[1] == []
    body_id, xyz = frames[0][0]
    assert body_id == BODY_A and xyz.dtype == np.float32
    np.testing.assert_array_equal(xyz, np.arange(75).reshape(25, 3))
    with pytest.raises(ValueError, match='truncated'):
        parse_skeleton_text(text.rsplit('\n', 30)[0])
    with pytest.raises(ValueError, match='do not match'):
        parse_skeleton_text(text + '7\n')


def test_denoise_keeps_two_most_active_bodies_and_drops_empty_frames():
    frames = []
    for t in range(14):
        bodies = {BODY_A: pose(1.0, moving=0.5, t=t)}  # most active
        if 1 <= t < 13:  # 11 frames: long enough to be a person
            bodies[BODY_B] = pose(2.0, moving=0.1, t=t)  # less active
        if t < 5:
            bodies[BODY_C] = pose(-9.0, moving=5.0, t=t)  # short: noise
        if t in (3, 13):
            bodies = {}  # frames without any body
        frames.append(list(bodies.items()))
    text = skeleton_text([dict(f) for f in frames])
    keypoint = denoise_bodies(parse_skeleton_text(text))
    kept_times = [t for t in range(14) if t not in (3, 13)]
    assert keypoint.shape == (2, len(kept_times), 25, 3)
    np.testing.assert_allclose(keypoint[0, :, 0, 0],
                               [1.0 + 0.5 * t for t in kept_times], rtol=1e-6)
    # body B fills slot 1 from t=1 on and is zero before
    assert not keypoint[1, 0].any()
    np.testing.assert_allclose(keypoint[1, 1, 0, 0], 2.0 + 0.1 * 1)
    assert not (keypoint < 0).any()  # the noisy short track is gone


def test_denoise_drops_frames_of_only_a_discarded_body():
    frames = []
    for t in range(12):
        bodies = [(BODY_A, pose(1.0, 1.0, t)), (BODY_B, pose(2.0, 0.5, t))]
        if t >= 10:  # third, least active body alone at the end
            bodies = [(BODY_C, pose(-7.0))]
        elif t >= 8:
            bodies.append((BODY_C, pose(-7.0)))
        frames.append(bodies)
    keypoint = denoise_bodies(frames, min_track_len=1)
    assert keypoint.shape == (2, 10, 25, 3)
    assert not (keypoint == -7.0).any()
    assert denoise_bodies([[], []]).shape == (2, 0, 25, 3)


def figure(width, height, t, speed=0.0):
    """25 joints spread over ``width`` in x and ``height`` in y (frame t)."""
    xyz = np.zeros((25, 3), dtype=np.float32)
    xyz[:, 0] = np.linspace(0, width, 25) + speed * t
    xyz[:, 1] = np.linspace(0, height, 25)
    xyz[:, 2] = 3.0
    return xyz


def test_denoise_drops_bodies_wider_than_tall():
    """The standard NTU spread test: x spread > 0.8 y spread in more than
    69.754% of a body's frames makes it noise, however much it moves."""
    frames = []
    for t in range(20):
        frames.append([
            (BODY_A, figure(0.5, 1.7, t, speed=0.01)),  # upright person
            (BODY_B, figure(0.6, 1.6, t, speed=0.02)),  # upright person
            # an object seen as a body: wide in 15 of 20 frames (75%)
            (BODY_C, figure(2.0 if t < 15 else 0.2, 1.0, t, speed=0.5)),
        ])
    keypoint = denoise_bodies(frames)
    np.testing.assert_allclose(keypoint[0, :, 0, 0], 0.02 * np.arange(20),
                               atol=1e-6)  # B moves most among the persons
    np.testing.assert_allclose(keypoint[1, :, 0, 0], 0.01 * np.arange(20),
                               atol=1e-6)
    # 14 wide frames of 20 (70%) would be noise, 13 (65%) not
    for wide, kept in ((14, False), (13, True)):
        frames_c = [[(BODY_A, figure(0.5, 1.7, t, 0.01)),
                     (BODY_C, figure(2.0 if t < wide else 0.2, 1.0, t, 0.5))]
                    for t in range(20)]
        keypoint = denoise_bodies(frames_c)
        assert np.allclose(keypoint[0, :, 0, 0], 0.5 * np.arange(20)) == kept
    # off: the most active (wide) body leads again; alone: never dropped
    keypoint = denoise_bodies(frames, spread_ratio=None)
    np.testing.assert_allclose(keypoint[0, :, 0, 0], 0.5 * np.arange(20),
                               atol=1e-6)
    alone = denoise_bodies([[(BODY_C, figure(2.0, 1.0, t))] for t in range(12)])
    assert alone.shape == (2, 12, 25, 3) and alone[0].any()


def test_sample_annotation_and_splits(tmp_path):
    path = tmp_path / 'S002C003P008R001A013.skeleton'
    path.write_text(skeleton_text(
        [{BODY_A: pose(1.0, 0.2, t)} for t in range(12)]))
    ann = skeleton_file_to_annotation(str(path))
    assert ann['frame_dir'] == 'S002C003P008R001A013' and ann['label'] == 12
    assert ann['keypoint'].shape == (2, 12, 25, 3)
    assert ann['total_frames'] == 12 and not ann['keypoint'][1].any()
    empty = tmp_path / 'S001C001P001R001A001.skeleton'
    empty.write_text(skeleton_text([{}, {}]))
    assert skeleton_file_to_annotation(str(empty)) is None

    assert parse_sample_name(str(path))['camera'] == 3
    with pytest.raises(ValueError, match='NTU sample name'):
        parse_sample_name('clip_001')
    names = ['S001C001P001R001A001', 'S001C002P003R001A001',
             'S002C003P045R002A050']
    ntu60 = official_splits(names, 'ntu60')
    assert ntu60['xsub_train'] == [names[0]]  # subject 45 is NTU120 only
    assert ntu60['xsub_val'] == names[1:]
    assert ntu60['xview_train'] == names[1:]
    ntu120 = official_splits(names, 'ntu120')
    assert ntu120['xsub_train'] == [names[0], names[2]]
    assert ntu120['xset_train'] == [names[2]]  # even setup
    assert set(ntu120) == {'xsub_train', 'xsub_val', 'xset_train',
                           'xset_val'}


def _tool(name):
    path = osp.join(REPO, 'tools', 'data', f'{name}.py')
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_convert_cli(tmp_path, capsys):
    src = tmp_path / 'skeletons'
    src.mkdir()
    names = ['S001C001P001R001A001', 'S001C002P002R001A002',
             'S001C003P003R001A061', 'S001C001P004R001A003']
    for i, name in enumerate(names):
        (src / f'{name}.skeleton').write_text(skeleton_text(
            [{BODY_A: pose(float(i), 0.1, t)} for t in range(11)]))
    ignore = tmp_path / 'missing.txt'
    ignore.write_text(names[3] + '\n')
    out = tmp_path / 'ntu60.pkl'
    tool = _tool('ntu_skeleton_to_pkl')
    args = [str(src), str(out), '--ignore-list', str(ignore)]
    assert tool.main(args) == 0
    with open(out, 'rb') as f:
        data = pickle.load(f)
    # A061 is NTU120-only, the ignored sample is skipped
    assert [a['frame_dir'] for a in data['annotations']] == names[:2]
    assert [a['label'] for a in data['annotations']] == [0, 1]
    assert data['split']['xsub_train'] == names[:2]
    assert data['split']['xview_train'] == [names[1]]
    assert tool.main(args) == 2 and 'force' in capsys.readouterr().err
    assert tool.main(args + ['--force', '--dataset', 'ntu120']) == 0


def test_lt_split_tool(tmp_path, capsys):
    from brl_mm.testing import write_skeleton_pickle
    labels = [0] * 6 + [1] * 6 + [2] * 6 + [0, 1]
    pkl = tmp_path / 'data.pkl'
    ids = write_skeleton_pickle(str(pkl), labels,
                                dict(xsub_train=range(18),
                                     xsub_val=range(18, 20)))
    tool = _tool('lt_split_tool')
    out = tmp_path / 'lt.txt'
    args = ['build', str(pkl), '--split', 'xsub_train',
            '--imbalance-factor', '4', '--n-max', '4', '--out', str(out)]
    assert tool.main(args) == 0
    kept = out.read_text().split()
    by_id = dict(zip(ids, labels))
    assert np.bincount([by_id[k] for k in kept]).tolist() == [4, 2, 1]
    assert set(kept) <= set(ids[:18])
    assert tool.main(args) == 2  # no overwrite without --force
    assert tool.main(args + ['--force']) == 0
    assert out.read_text().split() == kept  # seeded: same list
    capsys.readouterr()
    assert tool.main(['counts', str(pkl), '--split', 'xsub_train',
                      '--split-list', str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == '7 samples, 3 classes'
    assert lines[1:] == ['0\t4', '1\t2', '2\t1']
    with pytest.raises(KeyError, match='xset_train'):
        tool.main(['counts', str(pkl), '--split', 'xset_train'])


def test_data_tool_outputs_are_atomic_and_never_overwritten(tmp_path):
    from brl_mm.utils import dump_atomically, overwrite_refusal
    out = tmp_path / 'sub' / 'x.pkl'
    assert overwrite_refusal(str(out), force=False) is None
    dump_atomically({'a': 1}, str(out))
    import pickle
    with open(out, 'rb') as f:
        assert pickle.load(f) == {'a': 1}
    assert 'pass --force' in overwrite_refusal(str(out), force=False)
    assert overwrite_refusal(str(out), force=True) is None
    dump_atomically('s1\ns2\n', str(tmp_path / 'list.txt'))
    assert (tmp_path / 'list.txt').read_text() == 's1\ns2\n'
    assert sorted(p.name for p in tmp_path.rglob('*.tmp')) == []


def test_atomic_writes_get_normal_permissions_and_leave_nothing_on_error(
        tmp_path):
    import os
    import stat

    from brl_mm.utils import atomic_write
    out = tmp_path / 'x.txt'
    with atomic_write(str(out), 'w') as f:
        f.write('a')
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask
    out.chmod(0o640)
    with pytest.raises(RuntimeError):
        with atomic_write(str(out), 'w') as f:
            f.write('half')
            raise RuntimeError('killed')
    assert out.read_text() == 'a' and sorted(tmp_path.iterdir()) == [out]
    with atomic_write(str(out), 'w') as f:
        f.write('b')
    assert stat.S_IMODE(out.stat().st_mode) == 0o640  # the mode it replaced
