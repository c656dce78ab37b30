"""The long-tail profile of the NTU-LT benchmark and helpers to apply it.

BRL's long-tailed training sets keep, for class ``c`` (0-based, classes in
label order) of ``C`` classes, ``n_c = int(n_max * IF ** (-c / (C - 1)))``
samples of the official training split.
"""
from typing import Dict, List, Sequence

import numpy as np


def lt_class_counts(num_classes: int, n_max: int,
                    imbalance_factor: float) -> np.ndarray:
    """Per-class sample counts of the exponential long-tail profile.

    Args:
        num_classes (int): Number of classes ``C`` (>= 1).
        n_max (int): Samples kept for class 0, the head class.
        imbalance_factor (float): Ratio ``n_max / n_min`` (``IF`` >= 1).

    Returns:
        np.ndarray: int64 array of shape ``(C,)``, non-increasing, with
        ``counts[0] == n_max`` and ``counts[-1] == int(n_max / IF)``.

    Example:
        >>> lt_class_counts(60, 600, 100)[[0, -1]]
        array([600,   6])
    """
    if num_classes < 1:
        raise ValueError(f'num_classes must be >= 1, got {num_classes}')
    if n_max < 1:
        raise ValueError(f'n_max must be >= 1, got {n_max}')
    if imbalance_factor < 1:
        raise ValueError(
            f'imbalance_factor must be >= 1, got {imbalance_factor}')
    if num_classes == 1:
        return np.array([n_max], dtype=np.int64)
    c = np.arange(num_classes, dtype=np.float64)
    counts = n_max * float(imbalance_factor)**(-c / (num_classes - 1))
    # int() truncation as in the spec; the epsilon keeps exact powers
    # (e.g. 600 * 100**-1 == 6) from landing one below through rounding.
    return np.floor(counts + 1e-9).astype(np.int64)


def select_lt_subset(labels: Sequence[int], counts: Sequence[int],
                     seed: int = 0) -> np.ndarray:
    """Pick a long-tailed subset of a labelled sample list.

    For every class ``c``, ``counts[c]`` samples are drawn without
    replacement, uniformly, with a generator seeded by ``seed``: the same
    inputs always give the same subset.

    Args:
        labels (Sequence[int]): Label of each sample, in ``[0, len(counts))``.
        counts (Sequence[int]): Samples to keep per class.
        seed (int): Seed of the draw. Defaults to 0.

    Returns:
        np.ndarray: Sorted indices into ``labels`` of the kept samples.

    Raises:
        ValueError: If a class has fewer samples than it should keep.
    """
    labels = np.asarray(labels, dtype=np.int64)
    counts = np.asarray(counts, dtype=np.int64)
    available = np.bincount(labels, minlength=len(counts))
    short = np.flatnonzero(available[:len(counts)] < counts)
    if short.size:
        details = ', '.join(f'class {c}: {available[c]} < {counts[c]}'
                            for c in short[:5])
        raise ValueError(
            'not enough samples to build the long-tailed subset '
            f'({details}); lower n_max or the imbalance factor')
    rng = np.random.default_rng(seed)
    # One random key per sample; within each class keep the smallest keys.
    keys = rng.random(len(labels))
    order = np.lexsort((keys, labels))
    sorted_labels = labels[order]
    starts = np.searchsorted(sorted_labels, np.arange(len(counts)))
    rank = np.arange(len(labels)) - starts[sorted_labels]
    keep = rank < counts[sorted_labels]
    return np.sort(order[keep])


def counts_from_labels(labels: Sequence[int],
                       num_classes: int) -> np.ndarray:
    """Per-class counts of a label list, ``np.bincount`` with
    ``minlength=num_classes``."""
    return np.bincount(
        np.asarray(labels, dtype=np.int64), minlength=num_classes)


def split_by_shot(counts: Sequence[int],
                  many_thr: int = 100,
                  few_thr: int = 20) -> Dict[str, List[int]]:
    """Group classes into many / medium / few shot by their train counts.

    Args:
        counts (Sequence[int]): Training samples per class.
        many_thr (int): Classes with more than this many samples are
            "many". Defaults to 100.
        few_thr (int): Classes with fewer than this many samples are "few".
            Defaults to 20.

    Returns:
        dict: ``{'many': [...], 'medium': [...], 'few': [...]}`` class ids.
    """
    counts = np.asarray(counts)
    many = np.flatnonzero(counts > many_thr)
    few = np.flatnonzero(counts < few_thr)
    medium = np.flatnonzero((counts <= many_thr) & (counts >= few_thr))
    return dict(many=many.tolist(), medium=medium.tolist(), few=few.tolist())
