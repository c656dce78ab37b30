"""Softmax focal loss (Lin et al., ICCV 2017) for single-label
classification with hard or soft labels."""
from typing import Optional

import torch
import torch.nn.functional as F
from mmaction.registry import MODELS

from .functional import CountsLike
from .two_stage_loss import TwoStageLoss


def softmax_focal_loss(
        logits: torch.Tensor,
        soft_labels: torch.Tensor,
        gamma: float = 2.0,
        class_weight: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Focal loss on softmax probabilities (weighted mean).

    ``loss = sum_ic q_ic w_c (1 - p_ic) ** gamma (-log p_ic) /
    sum_ic q_ic w_c``; for hard labels the batch mean of
    ``(1 - p_t) ** gamma * CE``. ``gamma = 0`` is cross entropy. Computed in
    float32; ``1 - p`` is clamped at 1e-12 so ``gamma < 1`` has finite
    gradients at ``p = 1``.

    Args:
        logits (torch.Tensor): ``(B, K)`` class scores.
        soft_labels (torch.Tensor): ``(B, K)`` target probabilities.
        gamma (float): Focusing parameter >= 0. Defaults to 2.0.
        class_weight (torch.Tensor, optional): ``(K,)`` per-class weights.

    Returns:
        torch.Tensor: The scalar loss (float32).
    """
    log_prob = F.log_softmax(logits.float(), dim=1)
    weighted_targets = soft_labels.float()
    if class_weight is not None:
        weighted_targets = weighted_targets * class_weight.float().unsqueeze(0)
    if gamma != 0:
        modulation = (1.0 - log_prob.exp()).clamp(min=1e-12).pow(gamma)
        log_prob = log_prob * modulation
    return -(weighted_targets * log_prob).sum() / weighted_targets.sum()


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

    def compute_loss(self, logits: torch.Tensor,
                     soft_labels: torch.Tensor) -> torch.Tensor:
        gamma = self.gamma if self.balanced else 0.0
        return softmax_focal_loss(logits, soft_labels, gamma,
                                  self.class_weight)

    def extra_repr(self) -> str:
        return f'gamma={self.gamma}, ' + super().extra_repr()
