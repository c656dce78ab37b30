"""The class ids of every sample of a (possibly wrapped) dataset.

The class-rebalancing samplers need, for each index ``i`` the dataloader may
ask for, the classes of sample ``i``. mmengine's convention is
``dataset.get_cat_ids(i)`` (:class:`~brl_mm.datasets.LongTailPoseDataset`
has it); mmaction2's ``PoseDataset`` lacks it, and mmengine's
``RepeatDataset`` / ``ConcatDataset`` do not forward it. This module walks
the wrappers once and maps their indices to the wrapped dataset's, so the
samplers work over any of them.
"""
from typing import Any, List

from mmengine.dataset import ClassBalancedDataset, RepeatDataset
from torch.utils.data import ConcatDataset

__all__ = ['dataset_cat_ids']


def dataset_cat_ids(dataset: Any) -> List[List[int]]:
    """Class ids of every index of ``dataset``, through dataset wrappers.

    * ``RepeatDataset``: the wrapped dataset's ids, ``times`` over (read
      once, not ``times`` times);
    * ``ClassBalancedDataset``: the wrapped ids at its ``repeat_indices``;
    * ``ConcatDataset`` (mmengine's or torch's): its parts' ids in order;
    * any other dataset: ``get_cat_ids(i)``, or the ``label`` of
      ``get_data_info(i)`` when ``get_cat_ids`` is missing or not
      implemented (mmaction2's ``PoseDataset``; that reads every sample's
      annotation once).

    Args:
        dataset: The dataset a dataloader samples from.

    Returns:
        list[list[int]]: ``len(dataset)`` lists of class ids (one each for
        single-label action recognition).

    Raises:
        TypeError: When the dataset offers neither ``get_cat_ids`` nor
            ``get_data_info(i)['label']``.
    """
    if hasattr(dataset, 'full_init'):
        dataset.full_init()  # lazy_init=True wrappers and datasets
    if isinstance(dataset, RepeatDataset):
        return dataset_cat_ids(dataset.dataset) * dataset.times
    if isinstance(dataset, ClassBalancedDataset):
        inner = dataset_cat_ids(dataset.dataset)
        return [inner[i] for i in dataset.repeat_indices]
    if isinstance(dataset, ConcatDataset):
        return [ids for part in dataset.datasets
                for ids in dataset_cat_ids(part)]
    return _own_cat_ids(dataset)


def _own_cat_ids(dataset: Any) -> List[List[int]]:
    """Class ids of an unwrapped dataset (see :func:`dataset_cat_ids`)."""
    size = len(dataset)
    if not size:
        return []
    get_cat_ids = getattr(dataset, 'get_cat_ids', None)
    if get_cat_ids is not None:
        try:
            first = get_cat_ids(0)
        except NotImplementedError:  # mmengine BaseDataset's placeholder
            get_cat_ids = None
        else:
            return [list(first)] + [
                list(get_cat_ids(i)) for i in range(1, size)
            ]
    if not hasattr(dataset, 'get_data_info'):
        raise TypeError(
            f'{type(dataset).__name__} has neither get_cat_ids(idx) nor '
            "get_data_info(idx)['label']: the class-rebalancing samplers "
            'need the class of every sample. Implement get_cat_ids(idx) '
            '(returning [label]) on the dataset.')
    return [_label_ids(dataset, i) for i in range(size)]


def _label_ids(dataset: Any, index: int) -> List[int]:
    """``get_data_info(index)['label']`` as a list of class ids."""
    info = dataset.get_data_info(index)
    if 'label' not in info:
        raise TypeError(
            f'{type(dataset).__name__}: sample {index} has no "label" in '
            'get_data_info(), and the dataset has no get_cat_ids(idx); the '
            'class-rebalancing samplers need the class of every sample.')
    label = info['label']
    if hasattr(label, 'tolist'):
        label = label.tolist()
    return [int(v) for v in label] if isinstance(label, (list, tuple)) \
        else [int(label)]
