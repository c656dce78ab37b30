"""The packaged class-name lists and LongTailPoseDataset's
metainfo['classes'] (the pickle's names, else the benchmark's list)."""
import pytest
from mmengine.registry import init_default_scope

from brl_mm.datasets import LongTailPoseDataset
from brl_mm.datasets.class_names import (benchmark_class_names,
                                         load_class_names,
                                         packaged_class_lists)
from brl_mm.datasets.converters.nw_ucla_raw import NW_UCLA_CLASSES
from brl_mm.testing import write_skeleton_pickle


def test_lists():
    assert packaged_class_lists() == ['k400', 'ntu120', 'ntu60', 'nw_ucla']
    ntu120, ntu60 = load_class_names('ntu120'), load_class_names('ntu60')
    assert len(ntu120) == 120 and len(set(ntu120)) == 120
    assert ntu60 == ntu120[:60]  # NTU120 extends NTU60's A1..A60
    assert ntu120[0] == 'drink water'                      # A1
    assert ntu120[42] == 'falling'                         # A43
    assert ntu120[49] == 'punching/slapping other person'  # A50
    assert ntu120[59] == 'walking apart from each other'   # A60
    assert ntu120[60] == 'put on headphone'                # A61
    assert ntu120[119] == ('finger-guessing game (playing '
                           'rock-paper-scissors)')         # A120
    assert load_class_names('nw_ucla') == NW_UCLA_CLASSES
    k400 = load_class_names('k400')  # the Kinetics label map's order
    assert len(k400) == 400 and len(set(k400)) == 400
    assert k400 == tuple(sorted(k400, key=str.lower))
    assert (k400[0], k400[5], k400[399]) == ('abseiling', 'archery', 'zumba')
    with pytest.raises(FileNotFoundError, match='ntu60'):
        load_class_names('k700')


def test_benchmark_lookup():
    assert benchmark_class_names('nturgb+d', 60)[1] == 'eat meal/snack'
    assert len(benchmark_class_names('nturgb+d', 120)) == 120
    assert benchmark_class_names('nw_ucla', 10)[9] == 'carry'
    assert benchmark_class_names('nturgb+d', 20) is None
    assert benchmark_class_names('coco', 400)[-1] == 'zumba'
    assert benchmark_class_names('coco', 60) is None
    assert benchmark_class_names(None, 60) is None


def dataset(path, num_classes, layout='nturgb+d'):
    init_default_scope('mmaction')
    return LongTailPoseDataset(ann_file=path, pipeline=[], split='train',
                               num_classes=num_classes, layout=layout)


def test_dataset_metainfo_classes(tmp_path):
    labels = list(range(60))
    bare, named = str(tmp_path / 'bare.pkl'), str(tmp_path / 'named.pkl')
    write_skeleton_pickle(bare, labels, dict(train=range(60)))
    names = [f'action {i}' for i in range(60)]
    write_skeleton_pickle(named, labels, dict(train=range(60)), classes=names)
    # no names in the pickle: NTU-60's list (NTU-25 layout, 60 classes)
    meta = dataset(bare, 60).metainfo
    assert meta['classes'] == load_class_names('ntu60')
    assert meta['class_counts'] == [1] * 60
    # the pickle's own names win
    assert dataset(named, 60).metainfo['classes'] == tuple(names)
    # another class count: no names
    small = str(tmp_path / 'small.pkl')
    write_skeleton_pickle(small, [0, 1, 2], dict(train=range(3)))
    assert 'classes' not in dataset(small, 3).metainfo
