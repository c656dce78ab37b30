"""Functional core shared by the long-tail losses: class-count validation,
hard/soft label handling, per-sample loss terms and their one reduction (a
weighted mean whose normalizer is synced over the ranks of a DDP run), and
the class-weighted soft cross entropy built from them."""
from typing import NamedTuple, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn.functional as F

from ...class_counts import validate_class_counts as check_class_counts

CountsLike = Union[Sequence[int], np.ndarray, torch.Tensor]


def validate_class_counts(counts: CountsLike,
                          owner: str = 'loss') -> np.ndarray:
    """:func:`brl_mm.class_counts.validate_class_counts` (the one check of
    the class-count protocol) as float64, the dtype the losses compute
    their class weights in. Every class needs at least one training sample:
    long-tail re-weighting divides by (a function of) every count.

    Args:
        counts (Sequence[int] | np.ndarray | torch.Tensor): Per-class training
            sample counts, shape ``(K,)``.
        owner (str): Name used in error messages. Defaults to ``'loss'``.

    Returns:
        np.ndarray: The counts as a float64 array of shape ``(K,)``.
    """
    return check_class_counts(counts, owner).astype(np.float64)


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


def mean_over_ranks(value: torch.Tensor) -> torch.Tensor:
    """Mean of a (detached) tensor over the ranks of a distributed run.

    Used for the normalizer of a weighted mean: with it, DDP's average of
    the per-rank gradients equals the gradient of the weighted mean over the
    global batch. An all-reduce, not a host-device sync; the identity when
    no process group is running.

    Args:
        value (torch.Tensor): This rank's value.

    Returns:
        torch.Tensor: The mean over ranks (``value`` itself without a
        process group).
    """
    import torch.distributed as dist
    if not (dist.is_available() and dist.is_initialized()):
        return value
    world_size = dist.get_world_size()
    if world_size == 1:
        return value
    total = value.detach().clone()
    dist.all_reduce(total)
    return total / world_size


class LossTerms(NamedTuple):
    """Per-sample loss terms and their weights, reduced by
    :func:`weighted_mean` to ``sum(terms) / sum(weights)``.

    Shapes are ``(B,)``, or ``(G, B)`` for a sum of ``G`` separately
    normalized weighted means (the legacy mixed loss); a group's factor is
    folded into its ``terms``.

    Attributes:
        terms (torch.Tensor): Weighted per-sample losses, e.g.
            ``sum_c q_ic w_c (-log p_ic)``.
        weights (torch.Tensor): Per-sample weights, e.g. ``sum_c q_ic w_c``.
    """
    terms: torch.Tensor
    weights: torch.Tensor


def weighted_mean(terms: torch.Tensor,
                  weights: torch.Tensor,
                  sync_normalizer: bool = False) -> torch.Tensor:
    """The one reduction of the losses: ``sum(terms) / sum(weights)``.

    Under DDP with ``sync_normalizer`` the normalizer is the mean over ranks
    of the local ``sum(weights)`` (one all-reduce of a detached tensor, no
    host sync), so that DDP's mean of the per-rank gradients is the gradient
    of the weighted mean over the global batch, whatever the batch size and
    labels of each rank.

    Args:
        terms (torch.Tensor): ``(B,)`` or ``(G, B)`` per-sample terms.
        weights (torch.Tensor): Same shape, per-sample weights.
        sync_normalizer (bool): Sync the normalizer over ranks (every rank
            must call the loss). Defaults to False.

    Returns:
        torch.Tensor: The scalar loss (summed over ``G`` groups).
    """
    normalizer = weights.sum(-1)
    if sync_normalizer:
        normalizer = mean_over_ranks(normalizer.detach())
    return (terms.sum(-1) / normalizer).sum()


def weighted_targets(soft_labels: torch.Tensor,
                     class_weight: Optional[torch.Tensor] = None
                     ) -> torch.Tensor:
    """``q_ic w_c`` in float32: soft labels times per-class weights.

    Args:
        soft_labels (torch.Tensor): ``(B, K)`` target probabilities.
        class_weight (torch.Tensor, optional): ``(K,)`` per-class weights.

    Returns:
        torch.Tensor: float32 ``(B, K)``.
    """
    targets = soft_labels.float()
    if class_weight is not None:
        targets = targets * class_weight.float().unsqueeze(0)
    return targets


def soft_cross_entropy_terms(
        logits: torch.Tensor,
        soft_labels: torch.Tensor,
        class_weight: Optional[torch.Tensor] = None) -> LossTerms:
    """Per-sample terms of the class-weighted soft cross entropy.

    ``terms_i = sum_c q_ic w_c (-log p_ic)``, ``weights_i = sum_c q_ic w_c``.

    Args:
        logits (torch.Tensor): ``(B, K)`` class scores (computed in float32).
        soft_labels (torch.Tensor): ``(B, K)`` target probabilities.
        class_weight (torch.Tensor, optional): ``(K,)`` per-class weights.

    Returns:
        LossTerms: ``(B,)`` terms and weights.
    """
    log_prob = F.log_softmax(logits.float(), dim=1)
    targets = weighted_targets(soft_labels, class_weight)
    return LossTerms(-(targets * log_prob).sum(1), targets.sum(1))


def weighted_soft_cross_entropy(
        logits: torch.Tensor,
        soft_labels: torch.Tensor,
        class_weight: Optional[torch.Tensor] = None,
        sync_normalizer: bool = False) -> torch.Tensor:
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
        sync_normalizer (bool): See :func:`weighted_mean`. Defaults to False.

    Returns:
        torch.Tensor: The scalar loss (float32).
    """
    return weighted_mean(
        *soft_cross_entropy_terms(logits, soft_labels, class_weight),
        sync_normalizer=sync_normalizer)
