"""Reproduction of the original BRL code's loss behaviour, for exact
comparisons (``ActionAwareLoss(legacy=True)``); off by default.

Two deviations of the original code (spec, "Known deviations") live on the
loss side:

* **Deviation 5, flipped stage-2 weights.** ``TwostageAALoss.update_weight``
  replaces its beta list by ``1 - beta`` in place, so every second stage-2
  epoch uses the near-uniform :func:`legacy_flipped_class_weight`
  (:func:`legacy_stage2_class_weight` picks the weights of an epoch).
* **Deviation 2, one alpha per batch, two normalized means.** The original
  mixup returns the pair labels ``y_a`` (own class), ``y_b`` (partner's
  class, own class where unmixed) and one ``alpha`` for the batch, and its
  head computes ``alpha * CE_w(y_a) + (1 - alpha) * CE_w(y_b)``: two
  separately normalized weighted means, not one weighted mean of the soft
  labels. :func:`legacy_mixed_cross_entropy` computes that from the soft
  labels of ``RebalancedPartialMix(legacy=True)``, which carry all of it
  (see :func:`legacy_pair_labels`).
"""
from typing import Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from .class_weights import (action_aware_betas, action_aware_class_weight,
                            check_action_aware_betas, effective_number_weight)
from .functional import (CountsLike, LossTerms, validate_class_counts,
                         weighted_mean)

__all__ = [
    'legacy_flipped_class_weight', 'legacy_stage2_class_weight',
    'legacy_pair_labels', 'legacy_mixed_cross_entropy_terms',
    'legacy_mixed_cross_entropy'
]


def legacy_flipped_class_weight(counts: CountsLike,
                                upsilon: float = 0.99,
                                lam: float = 0.0099) -> np.ndarray:
    """The near-uniform weights of the original code's odd stage-2 epochs.

    The original ``TwostageAALoss.update_weight`` replaces its beta list by
    ``1 - beta`` in place, so every second call computes
    ``w_y = (1 - b_y) / (1 - b_y ** n_y)`` with ``b_y = 1 - beta_y``
    (deviation 5 of the spec). Normalized to sum ``K``.

    Args:
        counts (Sequence[int] | np.ndarray | torch.Tensor): Per-class
            training counts ``(K,)``.
        upsilon (float): As in :func:`action_aware_class_weight`.
        lam (float): As in :func:`action_aware_class_weight`.

    Returns:
        np.ndarray: float64 weights ``(K,)`` summing to ``K``.
    """
    check_action_aware_betas(upsilon, lam)
    counts = validate_class_counts(counts, owner='legacy_flipped_class_weight')
    return effective_number_weight(
        counts, 1.0 - action_aware_betas(counts, upsilon, lam))


def legacy_stage2_class_weight(counts: CountsLike, epoch_in_stage: int,
                               upsilon: float = 0.99,
                               lam: float = 0.0099) -> np.ndarray:
    """The original code's AA weights of a stage-2 epoch.

    Args:
        counts (Sequence[int] | np.ndarray | torch.Tensor): Per-class
            training counts ``(K,)``.
        epoch_in_stage (int): 0-based epoch within stage 2.
        upsilon (float): As in :func:`action_aware_class_weight`.
        lam (float): As in :func:`action_aware_class_weight`.

    Returns:
        np.ndarray: :func:`action_aware_class_weight` in the 1st, 3rd, ...
        epoch of stage 2, :func:`legacy_flipped_class_weight` in the 2nd,
        4th, ... one.
    """
    if epoch_in_stage % 2 == 1:
        return legacy_flipped_class_weight(counts, upsilon, lam)
    return action_aware_class_weight(counts, upsilon, lam)


def legacy_pair_labels(
    soft_labels: torch.Tensor
) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Recover the original mixup's ``(y_a, y_b, alpha)`` from soft labels.

    ``RebalancedPartialMix(legacy=True)`` gives a mixed row
    ``alpha * onehot(own) + (1 - alpha) * onehot(partner)`` with one
    ``alpha`` for the whole batch, and an unmixed row ``onehot(own)``. Per
    row, ``y_a`` is the class of the larger entry and ``y_b`` that of the
    second nonzero entry (``y_a`` where there is none); ``alpha`` is the
    smallest row maximum, i.e. ``max(alpha, 1 - alpha)`` (1 when no row has
    two classes). Where the original's ``alpha`` is below 1/2 this swaps
    ``y_a`` with ``y_b`` and ``alpha`` with ``1 - alpha`` on every row,
    which leaves ``alpha * CE_w(y_a) + (1 - alpha) * CE_w(y_b)`` unchanged
    (unmixed rows enter both means either way); with ``alpha`` 0 or 1 every
    row is one-hot and the formula is ``CE_w`` of the labels the rows carry,
    as in the original. Device operations only.

    Only labels of that form (hard labels included) are decoded correctly:
    soft labels with per-row alphas (the default mixup) or label smoothing
    have no such pair structure.

    Args:
        soft_labels (torch.Tensor): ``(B, K)`` targets.

    Returns:
        tuple[torch.Tensor, torch.Tensor, torch.Tensor]: ``y_a`` and ``y_b``
        (int64 ``(B,)``) and ``alpha`` (0-dim float32).
    """
    num_top = min(2, soft_labels.size(1))
    values, indices = soft_labels.float().topk(num_top, dim=1)
    label_a = indices[:, 0]
    if num_top == 1:
        return label_a, label_a, values.new_ones(())
    label_b = torch.where(values[:, 1] > 0, indices[:, 1], label_a)
    return label_a, label_b, values[:, 0].min()


def legacy_mixed_cross_entropy_terms(
        logits: torch.Tensor,
        soft_labels: torch.Tensor,
        class_weight: Optional[torch.Tensor] = None) -> LossTerms:
    """Terms of ``alpha * CE_w(y_a) + (1 - alpha) * CE_w(y_b)``.

    Two groups (``(2, B)`` terms and weights) for
    :func:`~brl_mm.models.losses.functional.weighted_mean`: group ``g`` has
    terms ``coef_g * w[y_g,i] * (-log p[i, y_g,i])`` and weights
    ``w[y_g,i]`` (``coef = (alpha, 1 - alpha)``), so each of the two
    weighted means gets its own normalizer, as torch's weighted
    ``F.cross_entropy`` in the original.

    Args:
        logits (torch.Tensor): ``(B, K)`` class scores (float32 math).
        soft_labels (torch.Tensor): ``(B, K)`` targets of the legacy mixup
            (see :func:`legacy_pair_labels`).
        class_weight (torch.Tensor, optional): ``(K,)`` per-class weights.

    Returns:
        LossTerms: ``(2, B)`` terms and weights.
    """
    label_a, label_b, alpha = legacy_pair_labels(soft_labels)
    pair_labels = torch.stack([label_a, label_b])  # (2, B)
    log_prob = F.log_softmax(logits.float(), dim=1)
    nll = -log_prob.gather(1, pair_labels.t()).t()  # (2, B)
    if class_weight is None:
        weights = torch.ones_like(nll)
    else:
        weights = class_weight.float()[pair_labels]
    coef = torch.stack([alpha, 1.0 - alpha]).unsqueeze(1)  # (2, 1)
    return LossTerms(coef * weights * nll, weights)


def legacy_mixed_cross_entropy(logits: torch.Tensor,
                               soft_labels: torch.Tensor,
                               class_weight: Optional[torch.Tensor] = None,
                               sync_normalizer: bool = False) -> torch.Tensor:
    """The original code's mixed loss
    ``alpha * CE_w(y_a) + (1 - alpha) * CE_w(y_b)``.

    Under DDP with ``sync_normalizer`` each of the two normalizers is the
    mean over ranks (one all-reduce of both); every rank keeps the alpha of
    its own batch, as the original's per-process mixup.

    Args:
        logits (torch.Tensor): ``(B, K)`` class scores.
        soft_labels (torch.Tensor): ``(B, K)`` targets of the legacy mixup.
        class_weight (torch.Tensor, optional): ``(K,)`` per-class weights.
        sync_normalizer (bool): Average both normalizers over the ranks
            of a DDP run, as
            :func:`~brl_mm.models.losses.functional.weighted_mean` does
            for one. Defaults to False.

    Returns:
        torch.Tensor: The scalar mixed loss (float32).
    """
    return weighted_mean(*legacy_mixed_cross_entropy_terms(
        logits, soft_labels, class_weight),
                         sync_normalizer=sync_normalizer)
