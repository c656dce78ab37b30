"""LongTailPoseDataset: split selection, LT subsets, counts and clear errors."""
import os.path as osp

import numpy as np
import pytest
from mmengine.dataset import RepeatDataset

import brl_mm  # noqa: F401
from brl_mm.datasets import (LongTailPoseDataset, dataset_class_counts,
                             lt_class_counts, packaged_lt_splits,
                             resolve_lt_split_file)
from brl_mm.testing import write_skeleton_pickle


def build(path, **kwargs):
    kwargs.setdefault('split', 'xsub_train')
    return LongTailPoseDataset(ann_file=path, pipeline=[], **kwargs)


def test_split_counts_and_cat_ids(tiny_pickle):
    ds = build(tiny_pickle['path'])
    assert len(ds) == tiny_pickle['n_train'] == 15
    assert ds.metainfo['class_counts'] == [8, 4, 2, 1]
    assert ds.metainfo['num_classes'] == 4
    assert ds.metainfo['layout'] == 'nturgb+d'
    np.testing.assert_array_equal(ds.class_counts, [8, 4, 2, 1])
    assert [ds.get_cat_ids(i)[0] for i in range(len(ds))] == \
        tiny_pickle['labels'][:15]
    sample = ds.get_data_info(3)
    assert sample['keypoint'].shape == (1, 12, 25, 3)
    assert sample['frame_dir'] == tiny_pickle['ids'][3]


def test_val_split_in_test_mode(tiny_pickle):
    ds = build(tiny_pickle['path'], split='xsub_val', test_mode=True)
    assert ds.metainfo['class_counts'] == [2, 2, 2, 2]


def test_num_classes_larger_than_labels_pads_counts(tiny_pickle):
    ds = build(tiny_pickle['path'], split='xsub_val', test_mode=True,
               num_classes=6)
    assert ds.metainfo['class_counts'] == [2, 2, 2, 2, 0, 0]


def test_lt_split_file_selects_listed_samples_in_list_order(
        tiny_pickle, tmp_path):
    ids = tiny_pickle['ids']
    chosen = [ids[9], ids[0], ids[12], ids[14], ids[1]]
    lst = tmp_path / 'lt.txt'
    lst.write_text('\n'.join(chosen) + '\n\n')
    ds = build(tiny_pickle['path'], lt_split_file=str(lst))
    assert [ds.get_data_info(i)['frame_dir'] for i in range(len(ds))] == \
        chosen
    assert ds.metainfo['class_counts'] == [2, 1, 1, 1]


def test_on_the_fly_subset_follows_the_formula_and_seed(tmp_path):
    labels = np.repeat(np.arange(5), 30)
    path = str(tmp_path / 'big.pkl')
    write_skeleton_pickle(path, labels, dict(train=range(len(labels))),
                          frames=4)
    ds = build(path, split='train', imbalance_factor=10, n_max=20, lt_seed=3)
    expected = lt_class_counts(5, 20, 10)
    np.testing.assert_array_equal(expected, [20, 11, 6, 3, 2])
    assert ds.metainfo['class_counts'] == expected.tolist()
    ids = [ds.get_data_info(i)['frame_dir'] for i in range(len(ds))]
    again = build(path, split='train', imbalance_factor=10, n_max=20,
                  lt_seed=3)
    assert ids == [again.get_data_info(i)['frame_dir']
                   for i in range(len(again))]
    other = build(path, split='train', imbalance_factor=10, n_max=20,
                  lt_seed=4)
    assert ids != [other.get_data_info(i)['frame_dir']
                   for i in range(len(other))]


def test_indices_slice_updates_counts(tiny_pickle):
    ds = build(tiny_pickle['path'], indices=[0, 8, 9, 14], allow_empty_classes=True)
    assert ds.metainfo['class_counts'] == [1, 2, 0, 1]


def test_repeat_dataset_counts_are_the_inner_counts(tiny_pickle):
    ds = RepeatDataset(build(tiny_pickle['path']), times=5)
    np.testing.assert_array_equal(dataset_class_counts(ds), [8, 4, 2, 1])


def test_packaged_lists_are_shipped_and_match_the_formula():
    names = packaged_lt_splits()
    assert len(names) == 12
    for name in names:
        dataset, _, _, factor = name.split('_')
        num_classes = 60 if dataset == 'NTU60' else 120
        n_max = 400 if '_xset_' in name else 600
        with open(resolve_lt_split_file(name)) as f:
            ids = [line.strip() for line in f if line.strip()]
        assert len(ids) == len(set(ids))
        counts = lt_class_counts(num_classes, n_max, int(factor))
        assert len(ids) == counts.sum(), name
        # class = action id - 1 in the NTU naming scheme
        labels = np.array([int(i[-3:]) - 1 for i in ids])
        np.testing.assert_array_equal(
            np.bincount(labels, minlength=num_classes), counts)


def test_resolve_accepts_names_with_and_without_txt(tmp_path):
    a = resolve_lt_split_file('NTU60_xsub_exp_100')
    assert a == resolve_lt_split_file('NTU60_xsub_exp_100.txt')
    assert osp.isfile(a)
    with pytest.raises(FileNotFoundError, match='NTU120_xset_exp_10'):
        resolve_lt_split_file('NTU61_xsub_exp_100')


# ---------------------------------------------------------------- errors
def test_missing_pickle_names_file_and_fix(tmp_path):
    path = str(tmp_path / 'data' / 'ntu60_3danno.pkl')
    with pytest.raises(FileNotFoundError) as err:
        build(path)
    message = str(err.value)
    assert path in message
    assert 'generate_synthetic_lt.py' in message
    assert "tools/data/skeleton/README.md" in message


def test_corrupt_pickle_is_named(tiny_pickle, tmp_path):
    broken = tmp_path / 'broken.pkl'
    broken.write_bytes(open(tiny_pickle['path'], 'rb').read()[:500])
    with pytest.raises(ValueError, match='broken.pkl could not be read.*'
                       'corrupt or truncated'):
        build(str(broken))


def test_unknown_split_lists_the_known_ones(tiny_pickle):
    with pytest.raises(ValueError, match=r"split 'train' is not in .*"
                       r"\['xsub_train', 'xsub_val'\]"):
        build(tiny_pickle['path'], split='train')


def test_list_id_missing_from_pickle(tiny_pickle, tmp_path):
    lst = tmp_path / 'lt.txt'
    lst.write_text(tiny_pickle['ids'][0] + '\nS999C001P001R001A001\n')
    with pytest.raises(ValueError, match=r'1 of 2 ids .*lt.txt are not in '
                       r"split 'xsub_train'.*S999C001P001R001A001"):
        build(tiny_pickle['path'], lt_split_file=str(lst))


def test_val_id_in_train_list_is_missing(tiny_pickle, tmp_path):
    lst = tmp_path / 'lt.txt'
    lst.write_text(tiny_pickle['ids'][-1])  # a val sample
    with pytest.raises(ValueError, match='do not match'):
        build(tiny_pickle['path'], lt_split_file=str(lst))


def test_label_out_of_range_names_the_sample(tmp_path):
    path = str(tmp_path / 'bad_label.pkl')
    ids = write_skeleton_pickle(path, [0, 1, 5], dict(train=range(3)),
                                classes=['a', 'b', 'c'])
    with pytest.raises(ValueError, match=f"sample '{ids[2]}' has label 5, "
                       r'outside \[0, 3\)'):
        build(path, split='train')


def test_negative_label(tmp_path):
    path = str(tmp_path / 'neg.pkl')
    write_skeleton_pickle(path, [0, -1, 1], dict(train=range(3)))
    with pytest.raises(ValueError, match='label -1'):
        build(path, split='train')


def test_class_without_training_samples(tmp_path):
    path = str(tmp_path / 'gap.pkl')
    write_skeleton_pickle(path, [0, 0, 2, 3], dict(train=range(4)))
    with pytest.raises(ValueError, match=r'1 of 4 classes have no training '
                       r'sample \(first: \[1\]\)'):
        build(path, split='train')
    # a test set may lack a class
    ds = build(path, split='train', test_mode=True)
    assert ds.metainfo['class_counts'] == [2, 0, 1, 1]


def test_wrong_joint_count_for_layout(tmp_path):
    path = str(tmp_path / 'coco.pkl')
    ids = write_skeleton_pickle(path, [0, 1], dict(train=range(2)),
                                num_joints=17, channels=2)
    with pytest.raises(ValueError, match=f"sample '{ids[0]}' has keypoints "
                       r"of shape \(1, 12, 17, 2\), but layout 'nturgb\+d' "
                       r'needs \(M, T, 25, C\)'):
        build(path, split='train')
    ds = build(path, split='train', layout='coco')
    assert ds.metainfo['layout'] == 'coco'


def test_num_classes_disagreeing_with_class_names(tmp_path):
    path = str(tmp_path / 'named.pkl')
    write_skeleton_pickle(path, [0, 1], dict(train=range(2)),
                          classes=['a', 'b'])
    with pytest.raises(ValueError, match='num_classes=3 but .* names 2'):
        build(path, split='train', num_classes=3)
    assert build(path, split='train').metainfo['classes'] == ('a', 'b')


@pytest.mark.parametrize('kwargs, message', [
    (dict(lt_split_file='NTU60_xsub_exp_100', imbalance_factor=10,
          n_max=5), 'not both'),
    (dict(imbalance_factor=10), 'go together'),
    (dict(n_max=10), 'go together'),
])
def test_conflicting_lt_arguments(tiny_pickle, kwargs, message):
    with pytest.raises(ValueError, match=message):
        build(tiny_pickle['path'], **kwargs)


def test_not_enough_samples_for_the_profile(tiny_pickle):
    with pytest.raises(ValueError, match='not enough samples.*class 0: 8 < '
                       '20'):
        build(tiny_pickle['path'], imbalance_factor=10, n_max=20)
