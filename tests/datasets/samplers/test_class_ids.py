"""dataset_cat_ids: class ids through mmengine's dataset wrappers."""
import pytest
from mmengine.dataset import (BaseDataset, ClassBalancedDataset,
                              ConcatDataset, RepeatDataset)
from torch.utils.data import ConcatDataset as TorchConcat

from brl_mm.datasets import LongTailPoseDataset
from brl_mm.datasets.samplers import dataset_cat_ids


class _Labelled(BaseDataset):
    """An mmengine dataset with labels in its data infos and mmengine's
    not-implemented get_cat_ids (as mmaction2's PoseDataset)."""

    def __init__(self, labels, **kwargs):
        self._given = labels
        super().__init__(ann_file='', serialize_data=False, **kwargs)

    def load_data_list(self):
        return [dict(label=label) for label in self._given]


class _WithCatIds(_Labelled):

    def get_cat_ids(self, idx):
        return [self.get_data_info(idx)['label']]


def test_plain_dataset_falls_back_to_the_labels():
    assert dataset_cat_ids(_Labelled([2, 0, 1])) == [[2], [0], [1]]
    # multi-label annotations stay lists
    assert dataset_cat_ids(_Labelled([[0, 3], [1]])) == [[0, 3], [1]]


def test_repeat_dataset_repeats_the_ids():
    repeated = RepeatDataset(_Labelled([2, 0, 1]), times=3)
    assert dataset_cat_ids(repeated) == [[2], [0], [1]] * 3
    lazy = RepeatDataset(_Labelled([1, 0], lazy_init=True), times=2,
                         lazy_init=True)
    assert dataset_cat_ids(lazy) == [[1], [0], [1], [0]]


def test_class_balanced_and_concat_datasets():
    balanced = ClassBalancedDataset(_WithCatIds([0, 0, 0, 1]),
                                    oversample_thr=0.5)
    # class 1 (f = 1/4) repeats ceil(sqrt(0.5 / 0.25)) = 2 times
    assert balanced.repeat_indices == [0, 1, 2, 3, 3]
    assert dataset_cat_ids(balanced) == [[0], [0], [0], [1], [1]]
    concat = ConcatDataset([_Labelled([1, 1]), _WithCatIds([0, 2])])
    assert dataset_cat_ids(concat) == [[1], [1], [0], [2]]
    # torch's ConcatDataset takes wrappers too
    nested = TorchConcat([_Labelled([1]),
                          RepeatDataset(_WithCatIds([0]), times=2)])
    assert dataset_cat_ids(nested) == [[1], [0], [0]]


def test_long_tail_pose_dataset_through_a_repeat(tiny_pickle):
    dataset = LongTailPoseDataset(tiny_pickle['path'], pipeline=[],
                                  split='xsub_train')
    ids = dataset_cat_ids(RepeatDataset(dataset, times=2))
    labels = tiny_pickle['labels'][:tiny_pickle['n_train']]
    assert ids == [[label] for label in labels] * 2


def test_dataset_without_classes_says_what_to_add():

    class Unlabelled:

        def __len__(self):
            return 2

    with pytest.raises(TypeError, match='get_cat_ids'):
        dataset_cat_ids(Unlabelled())

    class NoLabel(_Labelled):

        def load_data_list(self):
            return [dict(frame_dir='a')]

    with pytest.raises(TypeError, match='sample 0 has no "label"'):
        dataset_cat_ids(NoLabel([0]))
