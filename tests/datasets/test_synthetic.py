"""Tests of the synthetic long-tailed skeleton generator and its CLI."""
import importlib.util
import os
import os.path as osp
import pickle
import re
import subprocess
import sys

import numpy as np
import pytest

from brl_mm.layouts import get_layout
from brl_mm.datasets.long_tail import lt_class_counts
from brl_mm.datasets.synthetic import (generate_synthetic_lt,
                                       max_synthetic_classes,
                                       synthetic_class_names,
                                       synthetic_layouts)
from brl_mm.testing import REPO

CLI = osp.join(REPO, 'tools', 'data', 'generate_synthetic_lt.py')

SMALL = dict(num_classes=6,
             n_max=20,
             imbalance_factor=10,
             val_per_class=4,
             min_frames=12,
             max_frames=20,
             seed=3)
NTU = get_layout('nturgb+d')
NAME = {n: i for i, n in enumerate(NTU.joint_names)}


@pytest.fixture(scope='module')
def ntu():
    return generate_synthetic_lt(**SMALL)


@pytest.fixture(scope='module')
def coco():
    return generate_synthetic_lt(layout='coco', **SMALL)


@pytest.fixture(scope='module')
def wide():
    """One clean-ish look at many classes: 16 classes, 4 samples each."""
    return generate_synthetic_lt(num_classes=16,
                                 n_max=4,
                                 imbalance_factor=1,
                                 val_per_class=0,
                                 min_frames=40,
                                 max_frames=48,
                                 seed=0)


def _subject(frame_dir: str) -> int:
    match = re.fullmatch(r'S(\d{3})C(\d{3})P(\d{3})R(\d{3})A(\d{3})',
                         frame_dir)
    assert match, frame_dir
    return int(match.group(3))


def _by_split(data):
    index = {a['frame_dir']: a for a in data['annotations']}
    return {k: [index[f] for f in v] for k, v in data['split'].items()}


def test_ntu_annotation_format(ntu):
    anns = ntu['annotations']
    assert set(ntu) == {'split', 'annotations', 'classes', 'meta'}
    assert len(ntu['classes']) == 6
    frame_dirs = [a['frame_dir'] for a in anns]
    assert len(set(frame_dirs)) == len(anns)
    assert sorted(ntu['split']['xsub_train'] + ntu['split']['xsub_val']) == \
        sorted(frame_dirs)
    for a in anns:
        kp = a['keypoint']
        assert kp.dtype == np.float32 and kp.ndim == 4
        M, T, V, C = kp.shape
        assert (V, C) == (25, 3) and M in (1, 2)
        assert T == a['total_frames']
        assert 0 <= a['label'] < 6 and isinstance(a['label'], int)
        assert np.isfinite(kp).all()
        assert 'keypoint_score' not in a
        # The action id in the name is the label, NTU style (A001 = 0).
        assert int(a['frame_dir'][-3:]) == a['label'] + 1


def test_ntu_coordinates_are_kinect_metres(ntu):
    for a in ntu['annotations']:
        kp = a['keypoint'].astype(np.float64)
        depth = kp[..., NAME['spine_base'], 2]
        assert 1.5 < np.median(depth) < 4.5  # metres in front of the camera
        # y points up: the head is above the feet, by a body height
        height = (
            kp[:, 0, NAME['head'], 1] -
            kp[:, 0, [NAME['left_foot'], NAME['right_foot']], 1].mean(-1))
        assert np.all((height > 1.2) & (height < 2.1)), height


def test_coco_is_2d_pixels_with_scores(coco):
    for a in coco['annotations']:
        kp, score = a['keypoint'], a['keypoint_score']
        M, T, V, C = kp.shape
        assert (V, C) == (17, 2) and kp.dtype == np.float32
        assert score.shape == (M, T, V) and score.dtype == np.float32
        assert score.min() >= 0.0 and score.max() <= 1.0
        assert np.median(score) > 0.6
        assert a['img_shape'] == (1080, 1920)
        assert a['original_shape'] == (1080, 1920)
        assert 0 < np.median(kp[..., 0]) < 1920
        assert 0 < np.median(kp[..., 1]) < 1080
        # image y grows downwards: the nose is above the ankles
        assert np.median(kp[..., 0, 1]) < np.median(kp[..., 15:, 1])


def test_train_split_follows_the_long_tail_profile(ntu):
    splits = _by_split(ntu)
    labels = [a['label'] for a in splits['xsub_train']]
    expected = lt_class_counts(6, 20, 10)
    np.testing.assert_array_equal(np.bincount(labels, minlength=6), expected)
    assert ntu['meta']['train_counts'] == expected.tolist()


def test_val_split_is_balanced(ntu):
    labels = [a['label'] for a in _by_split(ntu)['xsub_val']]
    np.testing.assert_array_equal(np.bincount(labels, minlength=6), [4] * 6)


def test_val_subjects_differ_from_train_subjects(ntu):
    train = {_subject(f) for f in ntu['split']['xsub_train']}
    val = {_subject(f) for f in ntu['split']['xsub_val']}
    assert train and val and not train & val
    assert train <= set(ntu['meta']['train_subject_ids'])
    assert val <= set(ntu['meta']['val_subject_ids'])
    assert not set(ntu['meta']['train_subject_ids']) & set(
        ntu['meta']['val_subject_ids'])


def test_same_seed_same_data_other_seed_other_data(ntu):
    again = generate_synthetic_lt(**SMALL)
    assert pickle.dumps(again) == pickle.dumps(ntu)
    other = generate_synthetic_lt(**dict(SMALL, seed=4))
    assert other['split']['xsub_train'] != ntu['split']['xsub_train']
    a, b = ntu['annotations'][0], other['annotations'][0]
    assert a['keypoint'].shape != b['keypoint'].shape or not np.allclose(
        a['keypoint'], b['keypoint'])


def test_bone_lengths_are_constant_within_a_sample(ntu):
    bones = NTU.inward_edges
    child = np.array([c for c, _ in bones])
    parent = np.array([p for _, p in bones])
    head, hand = NAME['head'], NAME['right_hand']
    rel_dev, lengths, free = [], [], []
    for a in ntu['annotations']:
        for person in a['keypoint'].astype(np.float64):
            length = np.linalg.norm(person[:, child] - person[:, parent],
                                    axis=-1)  # (T, bones)
            med = np.median(length, axis=0)
            rel_dev.append(np.median(np.abs(length - med), axis=0) / med)
            lengths.append(med)
            reach = np.linalg.norm(person[:, head] - person[:, hand], axis=-1)
            free.append(
                np.median(np.abs(reach - np.median(reach))) / np.median(reach))
    rel_dev, lengths = np.array(rel_dev), np.array(lengths)
    long_bones = lengths.mean(0) > 0.2  # spine, upper arms, forearms, legs
    assert long_bones.sum() >= 8
    # FK keeps bones rigid: only sensor jitter changes their length, a few
    # percent on long bones (short hand / foot bones are noisier, as on
    # Kinect) ...
    assert np.median(rel_dev[:, long_bones]) < 0.04
    assert np.median(rel_dev) < 0.08
    # ... while the distance between joints that are not linked varies more
    # in the samples where the hand moves.
    assert np.max(free) > 5 * np.median(rel_dev[:, long_bones])
    # Different bodies: forearms of about 20-33 cm whose length varies.
    forearm = lengths[:, bones.index((NAME['left_wrist'], NAME['left_elbow']))]
    assert 0.19 < forearm.min() and forearm.max() < 0.34
    assert forearm.std() > 0.005


def test_two_person_classes_have_two_bodies(ntu, wide):
    for data in (ntu, wide):
        two = set(data['meta']['two_person_classes'])
        assert two  # handshake is class 5
        for a in data['annotations']:
            kp = a['keypoint']
            assert kp.shape[0] == (2 if a['label'] in two else 1)
            if kp.shape[0] == 2:
                gap = np.linalg.norm(kp[0, :, 0] - kp[1, :, 0], axis=-1)
                assert 0.2 < np.median(gap) < 3.5
    names = synthetic_class_names(10)
    assert sum(n in ('handshake', 'push other person') for n in names) == 2


def test_frame_counts_within_range(ntu, coco):
    for data in (ntu, coco):
        frames = np.array([a['total_frames'] for a in data['annotations']])
        assert frames.min() >= 12 and frames.max() <= 20
        assert len(np.unique(frames)) > 3  # variable length


def test_motions_are_what_the_class_names_say(wide):
    """Right-hand wave raises the right hand; sitting lowers the pelvis."""
    names = wide['classes']
    up = NTU.joint_names.index('head')

    def anns(name):
        return [
            a for a in wide['annotations'] if a['label'] == names.index(name)
        ]

    for name, hand, other in (('wave right hand', 'right_hand', 'left_hand'),
                              ('wave left hand', 'left_hand', 'right_hand')):
        for a in anns(name):
            kp = a['keypoint'][0]
            raised = kp[:, NAME[hand], 1] - kp[:, up, 1]
            assert raised.max() > -0.1, name  # at head height
            assert (kp[:, NAME[hand], 1] - kp[:, NAME[other], 1]).max() > 0.4
    for a in anns('sit down'):
        y = a['keypoint'][0, :, NAME['spine_base'], 1]
        assert y[:3].mean() - y[-3:].mean() > 0.2
    for a in anns('stand up'):
        y = a['keypoint'][0, :, NAME['spine_base'], 1]
        assert y[-3:].mean() - y[:3].mean() > 0.2


def test_pickle_round_trip(tmp_path, ntu):
    out = tmp_path / 'nested' / 'dir' / 'synthetic.pkl'
    data = generate_synthetic_lt(str(out), **SMALL)
    assert out.is_file()
    assert os.listdir(out.parent) == ['synthetic.pkl']  # no temp file left
    with open(out, 'rb') as f:
        loaded = pickle.load(f)
    assert pickle.dumps(loaded) == pickle.dumps(data) == pickle.dumps(ntu)


def test_class_table():
    names = synthetic_class_names(max_synthetic_classes())
    assert max_synthetic_classes() >= 120
    assert len(set(names)) == len(names)
    assert names[:20] == synthetic_class_names(20)
    for pair in (('wave right hand', 'wave left hand'), ('sit down',
                                                         'stand up'),
                 ('clap', 'rub hands together'), ('squat', 'sit down')):
        assert set(pair) <= set(names[:20])
    data = generate_synthetic_lt(num_classes=60,
                                 n_max=2,
                                 imbalance_factor=2,
                                 val_per_class=1,
                                 min_frames=10,
                                 max_frames=12)
    assert len(data['classes']) == 60
    labels = [a['label'] for a in data['annotations']]
    assert set(labels) == set(range(60))


def test_synthetic_layouts_come_from_the_layout_table():
    assert synthetic_layouts() == ['coco', 'nturgb+d', 'nw_ucla', 'openpose']


@pytest.mark.parametrize('layout', synthetic_layouts())
def test_every_supported_layout(layout):
    data = generate_synthetic_lt(num_classes=2,
                                 n_max=2,
                                 imbalance_factor=1,
                                 val_per_class=1,
                                 min_frames=10,
                                 max_frames=10,
                                 layout=layout)
    lay = get_layout(layout)
    dims = get_layout(layout).coord_dims
    for a in data['annotations']:
        assert a['keypoint'].shape[2:] == (lay.num_joints, dims)
        assert ('keypoint_score' in a) == (dims == 2)


@pytest.mark.parametrize('kwargs, message', [
    (dict(num_classes=1), 'num_classes'),
    (dict(num_classes=10_000), 'num_classes'),
    (dict(min_frames=50, max_frames=40), 'max_frames'),
    (dict(layout='kinect'), 'coco'),
    (dict(imbalance_factor=0.5), 'imbalance_factor'),
    (dict(n_max=0), 'n_max'),
    (dict(style_scale=-1), 'style_scale'),
    (dict(style_scale=float('nan')), 'style_scale'),
])
def test_bad_arguments_are_explained(kwargs, message):
    with pytest.raises(ValueError, match=message):
        generate_synthetic_lt(**kwargs)


def test_cli_help():
    res = subprocess.run([sys.executable, CLI, '--help'],
                         capture_output=True,
                         text=True,
                         cwd=REPO,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    assert '--num-classes' in res.stdout and '--layout' in res.stdout


def test_cli_generates_a_tiny_dataset(tmp_path):
    out = tmp_path / 'tiny.pkl'
    res = subprocess.run([
        sys.executable, CLI,
        str(out), '--num-classes', '3', '--n-max', '4', '--imbalance-factor',
        '2', '--val-per-class', '1', '--min-frames', '10', '--max-frames',
        '12', '--layout', 'coco'
    ],
                         capture_output=True,
                         text=True,
                         cwd=REPO,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    n_train = int(lt_class_counts(3, 4, 2).sum())
    assert f'train (xsub_train): {n_train} samples' in res.stdout
    with open(out, 'rb') as f:
        data = pickle.load(f)
    assert len(data['split']['xsub_train']) == n_train
    assert len(data['split']['xsub_val']) == 3
    assert data['annotations'][0]['keypoint'].shape[-2:] == (17, 2)


def _load_cli():
    spec = importlib.util.spec_from_file_location('generate_synthetic_lt', CLI)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_main_in_process(tmp_path, capsys):
    cli = _load_cli()
    assert cli.main(['--list-classes', '--num-classes', '3']) == 0
    assert capsys.readouterr().out.split('\n')[0].strip() == \
        '0  wave right hand'
    out = tmp_path / 'a.pkl'
    assert cli.main([str(out), '--num-classes', '1']) == 2
    assert 'num_classes' in capsys.readouterr().err
    assert not out.exists()
    assert cli.main([str(out), '--min-frames', '20', '--max-frames',
                     '10']) == 2
    assert 'max_frames' in capsys.readouterr().err
    assert cli.default_out_file('nturgb+d').endswith('synthetic_lt_ntu.pkl')
    # --out is the same as the positional OUT_FILE (README, run_demo.sh)
    tiny = ['--num-classes', '2', '--n-max', '2', '--imbalance-factor', '2',
            '--val-per-class', '1', '--min-frames', '8', '--max-frames', '8']
    assert cli.main(['--out', str(out)] + tiny) == 0
    assert out.exists()
    assert cli.main([str(out), '--out', str(tmp_path / 'b.pkl')] + tiny) == 2
    assert 'give the output file once' in capsys.readouterr().err
    styled = tmp_path / 'styled.pkl'
    assert cli.main([str(styled), '--style-scale', '2'] + tiny) == 0
    with open(styled, 'rb') as f:
        assert pickle.load(f)['meta']['args']['style_scale'] == 2.0
    assert cli.main([str(styled), '--style-scale', '-1'] + tiny) == 2
    assert 'style_scale' in capsys.readouterr().err


# ------------------------------------------------------- chosen classes
def test_classes_by_name_set_the_label_order():
    kw = dict(n_max=3, imbalance_factor=3, val_per_class=1,
              train_subjects=2, val_subjects=2)
    data = generate_synthetic_lt(classes=['sit down', 'clap', 'bow'], **kw)
    assert data['classes'] == ['sit down', 'clap', 'bow']
    assert data['meta']['args']['classes'] == data['classes']
    assert data['meta']['args']['num_classes'] == 3
    # the first named class is the head of the long tail
    assert data['meta']['train_counts'] == lt_class_counts(3, 3, 3).tolist()
    labels = [a['label'] for a in data['annotations']]
    assert sorted(set(labels)) == [0, 1, 2]
    # the default dataset's meta carries no ``classes`` key (its pickle, and
    # the runs keyed by its hash, stay as they were)
    assert 'classes' not in generate_synthetic_lt(num_classes=2,
                                                  **kw)['meta']['args']


def test_a_class_looks_the_same_under_any_label():
    kw = dict(n_max=2, imbalance_factor=1, val_per_class=1,
              train_subjects=2, val_subjects=2)
    a = generate_synthetic_lt(classes=['wave right hand', 'clap'], **kw)
    b = generate_synthetic_lt(classes=['clap', 'wave right hand'], **kw)
    clap_a = [x['keypoint'] for x in a['annotations'] if x['label'] == 1]
    clap_b = [x['keypoint'] for x in b['annotations'] if x['label'] == 0]
    assert len(clap_a) == len(clap_b) == 3
    for x, y in zip(clap_a, clap_b):
        np.testing.assert_array_equal(x, y)
    # and as the table's first classes (num_classes=2: wave, clap)
    first = generate_synthetic_lt(num_classes=2, **kw)
    for x, y in zip(first['annotations'], a['annotations']):
        np.testing.assert_array_equal(x['keypoint'], y['keypoint'])


@pytest.mark.parametrize('classes, num_classes, error, message', [
    (['clap', 'no such action'], None, ValueError, 'no such action'),
    (['clap', 'clap'], None, ValueError, 'more than once'),
    ('clap', None, TypeError, 'wrap it in a list'),
    (['clap'], None, ValueError, r'\[2, '),
    (['clap', 'bow'], 3, ValueError, 'num_classes=3 but classes names 2'),
])
def test_bad_classes_are_explained(classes, num_classes, error, message):
    with pytest.raises(error, match=message):
        generate_synthetic_lt(classes=classes, num_classes=num_classes)


def test_cli_classes_option(tmp_path, capsys):
    cli = _load_cli()
    tiny = ['--n-max', '2', '--imbalance-factor', '2', '--val-per-class',
            '1', '--min-frames', '8', '--max-frames', '8']
    out = tmp_path / 'c.pkl'
    assert cli.main([str(out), '--classes', 'sit down', 'clap'] + tiny) == 0
    assert 'head class 0 "sit down" 2' in capsys.readouterr().out
    with open(out, 'rb') as f:
        assert pickle.load(f)['classes'] == ['sit down', 'clap']
    assert cli.main([str(tmp_path / 'd.pkl'), '--classes', 'sit dwn',
                     'clap'] + tiny) == 2
    assert "unknown synthetic class(es) ['sit dwn']" in \
        capsys.readouterr().err
    assert not (tmp_path / 'd.pkl').exists()
    store = tmp_path / 'store'
    assert cli.main(['--store', str(store), '--classes', 'clap', 'bow'] +
                    tiny) == 0
    from brl_mm.datasets.store import SkeletonStore
    assert SkeletonStore(str(store)).classes == ['clap', 'bow']
    counted = tmp_path / 'counted.pkl'
    assert cli.main([str(counted), '--classes', 'clap', 'bow',
                     '--class-counts', '1', '3'] + tiny) == 0
    assert 'train counts per class: 1 3' in capsys.readouterr().out
    assert cli.main([str(tmp_path / 'e.pkl'), '--num-classes', '2',
                     '--class-counts', '1'] + tiny) == 2
    assert 'has 1 entries for 2 classes' in capsys.readouterr().err


def test_class_counts_replace_the_profile():
    kw = dict(val_per_class=1, train_subjects=2, val_subjects=2)
    data = generate_synthetic_lt(classes=['clap', 'bow', 'sit down'],
                                 class_counts=[1, 0, 3], **kw)
    assert data['meta']['train_counts'] == [1, 0, 3]
    assert data['meta']['args']['class_counts'] == [1, 0, 3]
    train = set(data['split']['xsub_train'])
    labels = [a['label'] for a in data['annotations']
              if a['frame_dir'] in train]
    assert np.bincount(labels, minlength=3).tolist() == [1, 0, 3]
    assert len(data['split']['xsub_val']) == 3  # every class is tested
    # the same class with the same count looks the same as under the profile
    profile = generate_synthetic_lt(classes=['clap', 'bow', 'sit down'],
                                    n_max=3, imbalance_factor=3, **kw)
    sit = [a['keypoint'] for a in data['annotations'] if a['label'] == 2]
    sit_profile = [a['keypoint'] for a in profile['annotations']
                   if a['label'] == 2 and a['frame_dir'] in
                   set(profile['split']['xsub_val'])]
    np.testing.assert_array_equal(sit[-1], sit_profile[-1])  # val take


@pytest.mark.parametrize('counts, error, message', [
    ([1, 2], ValueError, 'has 2 entries for 3 classes'),
    ([1, -1, 2], ValueError, r'ints >= 0, got \[-1\]'),
    ([1, 2.5, 2], ValueError, r'got \[2.5\]'),
    ([0, 0, 0], ValueError, 'all 0'),
    ('123', TypeError, 'sequence of ints'),
])
def test_bad_class_counts_are_explained(counts, error, message):
    with pytest.raises(error, match=message):
        generate_synthetic_lt(num_classes=3, class_counts=counts)


def test_style_scale_spreads_the_subjects_performances():
    kw = dict(classes=['wave right hand', 'clap'], class_counts=[4, 4],
              val_per_class=4, train_subjects=2, val_subjects=2,
              min_frames=20, max_frames=20)
    base = generate_synthetic_lt(**kw)
    # 1 is the data of earlier versions (and the meta says nothing new)
    same = generate_synthetic_lt(style_scale=1.0, **kw)
    for a, b in zip(base['annotations'], same['annotations']):
        np.testing.assert_array_equal(a['keypoint'], b['keypoint'])
    assert 'style_scale' not in base['meta']['args']

    def spread(data):
        # spread over subjects of each class's mean pose trajectory
        by = {}
        for a in data['annotations']:
            by.setdefault((a['label'], a['frame_dir'][8:12]), []).append(
                a['keypoint'][0] - a['keypoint'][0, :, :1])
        out = []
        for label in (0, 1):
            means = [np.mean(v, axis=0) for (lab, _), v in by.items()
                     if lab == label]
            out.append(np.std(means, axis=0).mean())
        return float(np.mean(out))

    alike = generate_synthetic_lt(style_scale=0.0, **kw)
    wide = generate_synthetic_lt(style_scale=3.0, **kw)
    assert wide['meta']['args']['style_scale'] == 3.0
    assert spread(alike) < spread(base) < spread(wide)
    # the bodies, takes and cameras stay: only the motion changes
    assert [a['frame_dir'] for a in wide['annotations']] == \
        [a['frame_dir'] for a in base['annotations']]
