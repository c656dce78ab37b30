"""NW-UCLA json -> pickle conversion, on small hand-written files in the
``all_sqe`` format (file_name, skeletons: frames x 20 joints x 3, label
1-based), and the converted pickle in the NW-UCLA-LT config's dataset."""
import importlib.util
import json
import os.path as osp
import pickle

import numpy as np
import pytest

from brl_mm.datasets import LongTailPoseDataset
from brl_mm.datasets.converters.nw_ucla_raw import (NW_UCLA_ACTIONS,
                                         nw_ucla_json_to_annotation,
                                         nw_ucla_splits, parse_nw_ucla_name)
from brl_mm.testing import REPO



def skeletons(frames, offset=0.0):
    """``frames`` x 20 x 3 nested lists: joint v of frame t at
    (v + offset, t, 0.5 * v)."""
    return [[[v + offset, float(t), 0.5 * v] for v in range(20)]
            for t in range(frames)]


def write_sample(folder, name, frames=5, label=None, **extra):
    if label is None:
        label = NW_UCLA_ACTIONS.index(parse_nw_ucla_name(name)['action']) + 1
    data = dict(file_name=name, skeletons=skeletons(frames), label=label)
    data.update(extra)
    path = folder / f'{name}.json'
    path.write_text(json.dumps(data))
    return str(path)


def test_parse_name():
    assert parse_nw_ucla_name('a12_s10_e04_v03') == dict(
        action=12, subject=10, environment=4, view=3)
    with pytest.raises(ValueError, match='aAA_sSS_eEE_vVV'):
        parse_nw_ucla_name('S001C001P001R001A001')


def test_annotation_values_and_labels(tmp_path):
    path = write_sample(tmp_path, 'a08_s02_e01_v02', frames=7)
    ann = nw_ucla_json_to_annotation(path)
    assert ann['frame_dir'] == 'a08_s02_e01_v02'
    assert ann['label'] == 6  # a08 is the 7th action (a07 does not exist)
    assert ann['total_frames'] == 7
    assert ann['keypoint'].dtype == np.float32
    assert ann['keypoint'].shape == (1, 7, 20, 3)
    np.testing.assert_array_equal(ann['keypoint'][0],
                                  np.asarray(skeletons(7), np.float32))
    last = nw_ucla_json_to_annotation(
        write_sample(tmp_path, 'a12_s01_e00_v01'))
    assert last['label'] == 9


@pytest.mark.parametrize('name,kwargs,match', [
    ('a01_s01_e00_v01', dict(label=3), 'does not match action a01'),
    ('a07_s01_e00_v01', dict(label=7), 'not one of the NW-UCLA actions'),
    ('a01_s01_e00_v01', dict(frames=0), r'expected \(frames >= 1, 20, 3\)'),
])
def test_bad_samples_are_named(tmp_path, name, kwargs, match):
    path = write_sample(tmp_path, name, **kwargs)
    with pytest.raises(ValueError, match=match) as err:
        nw_ucla_json_to_annotation(path)
    assert path in str(err.value)


def test_wrong_joint_count_and_non_finite(tmp_path):
    path = tmp_path / 'a01_s01_e00_v01.json'
    path.write_text(json.dumps(dict(
        file_name='a01_s01_e00_v01', label=1,
        skeletons=[[[0.0, 0.0, 0.0]] * 25] * 3)))
    with pytest.raises(ValueError, match=r'shape \(3, 25, 3\)'):
        nw_ucla_json_to_annotation(str(path))
    frames = skeletons(3)
    frames[1][4][0] = float('nan')
    path.write_text(json.dumps(dict(file_name='a01_s01_e00_v01', label=1,
                                    skeletons=frames)))
    with pytest.raises(ValueError, match='NaN'):
        nw_ucla_json_to_annotation(str(path))


def test_cross_view_splits():
    names = ['a01_s01_e00_v01', 'a01_s01_e00_v02', 'a01_s01_e00_v03',
             'a02_s03_e01_v03', 'a02_s03_e01_v01']
    assert nw_ucla_splits(names) == dict(
        train=[names[0], names[1], names[4]], val=[names[2], names[3]])


def _tool(name):
    spec = importlib.util.spec_from_file_location(
        name, osp.join(REPO, 'tools', 'data', f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_convert_cli_output_loads_in_the_nw_ucla_dataset(tmp_path, capsys):
    src = tmp_path / 'all_sqe'
    src.mkdir()
    names = [f'a{a:02d}_s{s:02d}_e00_v{v:02d}'
             for a in NW_UCLA_ACTIONS for s in (1, 2) for v in (1, 2, 3)]
    for name in names:
        write_sample(src, name, frames=6)
    out = tmp_path / 'nw_ucla.pkl'
    tool = _tool('nw_ucla_to_pkl')
    assert tool.main([str(src), str(out)]) == 0
    assert 'wrote 60 samples' in capsys.readouterr().out
    with open(out, 'rb') as f:
        data = pickle.load(f)
    assert len(data['classes']) == 10
    assert len(data['split']['train']) == 40
    assert all(n.endswith('v03') for n in data['split']['val'])
    assert tool.main([str(src), str(out)]) == 2  # no overwrite
    assert 'force' in capsys.readouterr().err
    # the NW-UCLA-LT config's dataset: layout check, on-the-fly LT subset
    train = LongTailPoseDataset(
        str(out), pipeline=[], split='train', layout='nw_ucla',
        num_classes=10, imbalance_factor=2, n_max=4)
    # BRL's profile n_c = int(n_max * IF ** (-c / (C - 1)))
    assert train.metainfo['class_counts'] == [4, 3, 3, 3, 2, 2, 2, 2, 2, 2]
    val = LongTailPoseDataset(str(out), pipeline=[], split='val',
                              layout='nw_ucla', num_classes=10,
                              test_mode=True)
    assert val.metainfo['class_counts'] == [2] * 10
    (src / 'a01_s09_e00_v01.json').write_text('{"skeletons": ')
    assert tool.main([str(src), str(out), '--force']) == 2
    assert 'a01_s09_e00_v01.json: not valid json' in capsys.readouterr().err
