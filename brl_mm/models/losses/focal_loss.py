"""Softmax focal loss (Lin et al., ICCV 2017) for single-label
classification with hard or soft labels."""
from typing import Optional

import torch
import torch.nn.functional as F
from mmaction.registry import MODELS

from .functional import CountsLike, LossTerms, weighted_mean, weighted_targets
from .two_stage_loss import TwoStageLoss


def softmax_focal_terms(
        logits: torch.Tensor,
        soft_labels: torch.Tensor,
        gamma: float = 2.0,
        class_weight: Optional[torch.Tensor] = None) -> LossTerms:
    """Per-sample terms of the softmax focal loss.

    ``terms_i = sum_c q_ic w_c (1 - p_ic) ** gamma (-log p_ic)``,
    ``weights_i = sum_c q_ic w_c``. ``gamma = 0`` gives the cross entropy
    terms. Computed in float32; ``1 - p`` is clamped at 1e-12 so
    ``gamma < 1`` has finite gradients at ``p = 1``.

    Args:
        logits (torch.Tensor): ``(B, K)`` class scores.
        soft_labels (torch.Tensor): ``(B, K)`` target probabilities.
        gamma (float): Focusing parameter >= 0. Defaults to 2.0.
        class_weight (torch.Tensor, optional): ``(K,)`` per-class weights.

    Returns:
        LossTerms: ``(B,)`` terms and weights.
    """
    log_prob = F.log_softmax(logits.float(), dim=1)
    targets = weighted_targets(soft_labels, class_weight)
    if gamma != 0:
        modulation = (1.0 - log_prob.exp()).clamp(min=1e-12).pow(gamma)
        log_prob = log_prob * modulation
    return LossTerms(-(targets * log_prob).sum(1), targets.sum(1))


def softmax_focal_loss(logits: torch.Tensor,
                       soft_labels: torch.Tensor,
                       gamma: float = 2.0,
                       class_weight: Optional[torch.Tensor] = None,
                       sync_normalizer: bool = False) -> torch.Tensor:
    """Focal loss on softmax probabilities (weighted mean).

    ``loss = sum_ic q_ic w_c (1 - p_ic) ** gamma (-log p_ic) /
    sum_ic q_ic w_c``; for hard labels the batch mean of
    ``(1 - p_t) ** gamma * CE``. See :func:`softmax_focal_terms`.

    Args:
        logits (torch.Tensor): ``(B, K)`` class scores.
        soft_labels (torch.Tensor): ``(B, K)`` target probabilities.
        gamma (float): Focusing parameter >= 0. Defaults to 2.0.
        class_weight (torch.Tensor, optional): ``(K,)`` per-class weights.
        sync_normalizer (bool): See
            :func:`~brl_mm.models.losses.functional.weighted_mean`.
            Defaults to False.

    Returns:
        torch.Tensor: The scalar loss (float32).
    """
    return weighted_mean(*softmax_focal_terms(logits, soft_labels, gamma,
                                              class_weight),
                         sync_normalizer=sync_normalizer)


@MODELS.register_module()
class FocalLoss(TwoStageLoss):
    """Softmax focal loss, two-stage capable.

    With ``two_stage=True`` (the original code's ``TwostageFocalLoss``)
    stage 1 is plain cross entropy and stage 2 the focal loss. Class counts
    are not used by the loss itself but are still required (and
    checkpointed) like every long-tail loss here, so a missing
    :class:`~brl_mm.engine.DetachedScheduleHook` is reported.

    Args:
        gamma (float): Focusing parameter >= 0. Defaults to 2.0.
        two_stage (bool): Focal in stage 2 only. Defaults to True.
        class_counts (Sequence[int], optional): Counts for use without the
            hook.
        loss_weight (float): Factor on the loss. Defaults to 1.0.
    """

    balanced_form = 'softmax focal loss'

    def __init__(self,
                 gamma: float = 2.0,
                 two_stage: bool = True,
                 class_counts: Optional[CountsLike] = None,
                 loss_weight: float = 1.0) -> None:
        if gamma < 0:
            raise ValueError(f'gamma must be >= 0, got {gamma}')
        self.gamma = float(gamma)
        super().__init__(two_stage=two_stage,
                         class_counts=class_counts,
                         loss_weight=loss_weight)

    def loss_terms(self, logits: torch.Tensor,
                   soft_labels: torch.Tensor) -> LossTerms:
        """Focal terms (``gamma``) when balanced, cross entropy otherwise."""
        gamma = self.gamma if self.balanced else 0.0
        return softmax_focal_terms(logits, soft_labels, gamma,
                                   self.class_weight)

    def extra_repr(self) -> str:
        return f'gamma={self.gamma}, ' + super().extra_repr()
