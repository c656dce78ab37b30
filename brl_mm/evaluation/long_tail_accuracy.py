"""Long-tail accuracy summary: the functional core of the long-tail metric.

Mean class accuracy here averages over *all* ``K`` classes with
``np.bincount(minlength=K)`` (a class with no test sample counts as absent
and is excluded, and is reported), unlike mmaction's ``mean_class_accuracy``
which drops classes that appear neither in predictions nor labels.
"""
from typing import Dict, Optional, Sequence

import numpy as np

from ..datasets.long_tail import split_by_shot


def per_class_accuracy(pred_labels: Sequence[int], gt_labels: Sequence[int],
                       num_classes: int) -> np.ndarray:
    """Accuracy of each class; NaN for a class with no test sample.

    Args:
        pred_labels (Sequence[int]): Predicted class per sample.
        gt_labels (Sequence[int]): True class per sample.
        num_classes (int): Number of classes ``K``.

    Returns:
        np.ndarray: float64 array of shape ``(K,)``.
    """
    pred = np.asarray(pred_labels, dtype=np.int64)
    gt = np.asarray(gt_labels, dtype=np.int64)
    if pred.shape != gt.shape:
        raise ValueError(f'{pred.shape[0]} predictions for {gt.shape[0]} '
                         'labels')
    total = np.bincount(gt, minlength=num_classes).astype(np.float64)
    correct = np.bincount(gt[pred == gt], minlength=num_classes)
    with np.errstate(invalid='ignore', divide='ignore'):
        return np.where(total > 0, correct / np.maximum(total, 1), np.nan)


def long_tail_accuracy(scores: np.ndarray,
                       gt_labels: Sequence[int],
                       train_counts: Optional[Sequence[int]] = None,
                       many_thr: int = 100,
                       few_thr: int = 20) -> Dict[str, object]:
    """Top-1/top-5, mean class and many/medium/few accuracy.

    Args:
        scores (np.ndarray): Class scores, shape ``(N, K)``.
        gt_labels (Sequence[int]): True class per sample, shape ``(N,)``.
        train_counts (Sequence[int], optional): Training samples per class;
            without them the shot-group accuracies are left out.
        many_thr (int): "Many" classes have more than this many training
            samples. Defaults to 100.
        few_thr (int): "Few" classes have fewer than this many. Defaults to
            20.

    Returns:
        dict: ``top1``, ``top5``, ``mean_class`` (fractions in [0, 1]),
        ``per_class`` (array, NaN where a class has no test sample),
        ``absent_classes`` (list) and, with counts, ``many``, ``medium``,
        ``few`` (NaN for an empty group) and ``groups`` (class ids).
    """
    scores = np.asarray(scores)
    gt = np.asarray(gt_labels, dtype=np.int64)
    if scores.ndim != 2 or scores.shape[0] != gt.shape[0]:
        raise ValueError(f'scores must be (N, K) for N={gt.shape[0]} labels, '
                         f'got {scores.shape}')
    num_classes = scores.shape[1]
    pred = scores.argmax(axis=1)
    k = min(5, num_classes)
    topk = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    per_class = per_class_accuracy(pred, gt, num_classes)
    result: Dict[str, object] = dict(
        top1=float(np.mean(pred == gt)),
        top5=float(np.mean((topk == gt[:, None]).any(axis=1))),
        mean_class=float(np.nanmean(per_class)),
        per_class=per_class,
        absent_classes=np.flatnonzero(np.isnan(per_class)).tolist())
    if train_counts is not None:
        if len(train_counts) != num_classes:
            raise ValueError(f'{len(train_counts)} train counts for '
                             f'{num_classes} classes')
        groups = split_by_shot(train_counts, many_thr, few_thr)
        for name, ids in groups.items():
            values = per_class[ids] if ids else np.array([np.nan])
            result[name] = (float(np.nanmean(values))
                            if np.isfinite(values).any() else float('nan'))
        result['groups'] = groups
    return result
