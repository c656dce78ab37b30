"""Find the class counts of whatever dataset a config builds."""
from typing import Any

import numpy as np


def unwrap_dataset(dataset: Any) -> Any:
    """Strip mmengine dataset wrappers (``RepeatDataset``,
    ``ClassBalancedDataset``, ...) that keep the real dataset in ``.dataset``.

    ``ConcatDataset`` (several datasets) is returned as is.
    """
    seen = set()
    while hasattr(dataset, 'dataset') and id(dataset) not in seen:
        seen.add(id(dataset))
        dataset = dataset.dataset
    return dataset


def dataset_class_counts(dataset: Any, num_classes: int = None) -> np.ndarray:
    """Per-class sample counts of a (possibly wrapped) dataset.

    Reads ``metainfo['class_counts']`` when the dataset provides it
    (:class:`~brl_mm.datasets.LongTailPoseDataset` does), otherwise counts the
    labels of ``get_data_info(i)`` (``ConcatDataset`` sums its parts). The
    counts of the *underlying* dataset are returned: a ``RepeatDataset``
    repeats every class equally, which does not change the balance.

    Args:
        dataset: A dataset object.
        num_classes (int, optional): Pad/check the number of classes.

    Returns:
        np.ndarray: int64 counts of shape ``(K,)``.
    """
    inner = unwrap_dataset(dataset)
    parts = getattr(inner, 'datasets', None)
    if parts is not None:
        counts = [dataset_class_counts(d, num_classes) for d in parts]
        width = max(len(c) for c in counts)
        return np.sum([np.pad(c, (0, width - len(c))) for c in counts],
                      axis=0)
    meta = getattr(inner, 'metainfo', {}) or {}
    if 'class_counts' in meta:
        counts = np.asarray(meta['class_counts'], dtype=np.int64)
    else:
        labels = np.array(
            [int(inner.get_data_info(i)['label']) for i in range(len(inner))],
            dtype=np.int64)
        counts = np.bincount(labels, minlength=num_classes or 0)
    if num_classes is not None:
        if len(counts) > num_classes:
            raise ValueError(f'the dataset has labels up to {len(counts) - 1}'
                             f' but num_classes is {num_classes}')
        counts = np.pad(counts, (0, num_classes - len(counts)))
    return counts
