"""Functional core shared by the long-tail losses: class-count validation,
hard/soft label handling and the class-weighted soft cross entropy."""
from typing import Optional, Sequence, Union

import numpy as np
import torch
import torch.nn.functional as F

CountsLike = Union[Sequence[int], np.ndarray, torch.Tensor]


def validate_class_counts(counts: CountsLike,
                          owner: str = 'loss') -> np.ndarray:
    """Check per-class training counts and return them as float64.

    Long-tail re-weighting divides by (a function of) every class count, so
    every class needs at least one training sample.

    Args:
        counts (Sequence[int] | np.ndarray | torch.Tensor): Per-class training
            sample counts, shape ``(K,)``.
        owner (str): Name used in error messages. Defaults to ``'loss'``.

    Returns:
        np.ndarray: The counts as a float64 array of shape ``(K,)``.

    Raises:
        ValueError: On a wrong shape, non-finite, negative, non-integer or
            zero counts (the message names the classes and the fix).
    """
    if isinstance(counts, torch.Tensor):
        counts = counts.detach().cpu().numpy()
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 1 or counts.size == 0:
        raise ValueError(f'{owner}: class counts must be a non-empty 1-D '
                         f'sequence (one count per class), got shape '
                         f'{counts.shape}')
    if not np.all(np.isfinite(counts)) or np.any(counts < 0) or np.any(
            counts != np.round(counts)):
        raise ValueError(f'{owner}: class counts must be non-negative '
                         f'integers, got {counts.tolist()[:10]}...')
    empty = np.flatnonzero(counts == 0)
    if empty.size:
        raise ValueError(
            f'{owner}: {empty.size} of {counts.size} classes have no training '
            f'sample (class indices {empty[:10].tolist()}). Class-count based '
            'losses need at least one sample per class: check num_classes '
            '(model.cls_head.num_classes and the dataset), the split and the '
            'long-tail sample list, or drop the empty classes.')
    return counts


def as_soft_labels(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Turn hard ``(B,)`` or soft ``(B, K)`` labels into float32 ``(B, K)``.

    Only shapes are checked (no device-to-host sync): an out-of-range hard
    label triggers the device-side assert of ``scatter``.

    Args:
        labels (torch.Tensor): Class indices ``(B,)`` or per-class target
            probabilities ``(B, K)`` (e.g. from a mixup blending).
        num_classes (int): ``K``.

    Returns:
        torch.Tensor: float32 targets of shape ``(B, K)``.
    """
    if labels.dim() == 1 and not labels.is_floating_point():
        soft = torch.zeros(labels.size(0),
                           num_classes,
                           dtype=torch.float32,
                           device=labels.device)
        return soft.scatter_(1, labels.long().unsqueeze(1), 1.0)
    if labels.dim() == 2 and labels.size(1) == num_classes:
        return labels.float()
    raise ValueError(
        f'labels of shape {tuple(labels.shape)} (dtype {labels.dtype}) fit '
        f'neither hard labels (B,) of class indices nor soft labels (B, '
        f'{num_classes}) for {num_classes} classes')


def weighted_soft_cross_entropy(
        logits: torch.Tensor,
        soft_labels: torch.Tensor,
        class_weight: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Class-weighted cross entropy for soft labels (weighted mean).

    ``loss = sum_ic q_ic w_c (-log p_ic) / sum_ic q_ic w_c``. With one-hot
    ``q`` this equals ``F.cross_entropy(logits, y, weight=w)``; with ``w = 1``
    and rows of ``q`` summing to 1 it is the batch mean of the soft cross
    entropy (mmaction's ``CrossEntropyLoss`` for soft labels computes the
    same). Computed in float32 whatever the input dtype (AMP safe).

    Args:
        logits (torch.Tensor): ``(B, K)`` class scores.
        soft_labels (torch.Tensor): ``(B, K)`` target probabilities.
        class_weight (torch.Tensor, optional): ``(K,)`` per-class weights.

    Returns:
        torch.Tensor: The scalar loss (float32).
    """
    log_prob = F.log_softmax(logits.float(), dim=1)
    weighted_targets = soft_labels.float()
    if class_weight is not None:
        weighted_targets = weighted_targets * class_weight.float().unsqueeze(0)
    return -(weighted_targets * log_prob).sum() / weighted_targets.sum()
