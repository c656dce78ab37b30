"""Logit-adjusted cross entropy (Menon et al., ICLR 2021); with ``tau = 1``
the balanced softmax (Ren et al., NeurIPS 2020)."""
from typing import Optional

import torch
from mmaction.registry import MODELS

from .functional import CountsLike, weighted_soft_cross_entropy
from .two_stage_loss import TwoStageLoss


def logit_adjusted_logits(logits: torch.Tensor, counts: torch.Tensor,
                          tau: float = 1.0) -> torch.Tensor:
    """``z + tau * log(prior)`` with ``prior = n / sum(n)``.

    Device operations only; float32.

    Args:
        logits (torch.Tensor): ``(B, K)`` class scores.
        counts (torch.Tensor): ``(K,)`` positive class counts.
        tau (float): Adjustment strength. Defaults to 1 (balanced softmax).

    Returns:
        torch.Tensor: float32 ``(B, K)`` logits.
    """
    counts = counts.float()
    log_prior = (counts / counts.sum()).log()
    return logits.float() + tau * log_prior


def logit_adjusted_cross_entropy(logits: torch.Tensor,
                                 soft_labels: torch.Tensor,
                                 counts: torch.Tensor,
                                 tau: float = 1.0,
                                 sync_normalizer: bool = False
                                 ) -> torch.Tensor:
    """Cross entropy of ``z + tau * log(prior)``, ``prior = n / sum(n)``.

    Args:
        logits (torch.Tensor): ``(B, K)`` class scores.
        soft_labels (torch.Tensor): ``(B, K)`` target probabilities.
        counts (torch.Tensor): ``(K,)`` positive class counts.
        tau (float): Adjustment strength. Defaults to 1 (balanced softmax).
        sync_normalizer (bool): See
            :func:`~brl_mm.models.losses.functional.weighted_mean`.
            Defaults to False.

    Returns:
        torch.Tensor: The scalar loss (float32).
    """
    return weighted_soft_cross_entropy(
        logit_adjusted_logits(logits, counts, tau),
        soft_labels,
        sync_normalizer=sync_normalizer)


@MODELS.register_module()
@MODELS.register_module(name='BalancedSoftmaxLoss')
class LogitAdjustedLoss(TwoStageLoss):
    """Logit-adjusted cross entropy / balanced softmax (``tau=1``).

    Registered twice: ``LogitAdjustedLoss`` and ``BalancedSoftmaxLoss``
    (the same class). The adjustment is applied to training logits only
    (``predict`` uses the raw scores). By default it is on throughout, like
    the original code's ``TwostageBalancedSoftmax``; ``two_stage=True`` uses
    plain cross entropy in stage 1.

    Args:
        tau (float): Adjustment strength. Defaults to 1.0.
        two_stage (bool): Adjust in stage 2 only. Defaults to False.
        class_counts (Sequence[int], optional): Counts for use without the
            hook.
        loss_weight (float): Factor on the loss. Defaults to 1.0.
    """

    balanced_form = 'logit-adjusted cross entropy (balanced softmax at tau=1)'

    def __init__(self,
                 tau: float = 1.0,
                 two_stage: bool = False,
                 class_counts: Optional[CountsLike] = None,
                 loss_weight: float = 1.0) -> None:
        self.tau = float(tau)
        super().__init__(two_stage=two_stage,
                         class_counts=class_counts,
                         loss_weight=loss_weight)

    def adjust_logits(self, logits: torch.Tensor,
                      soft_labels: torch.Tensor) -> torch.Tensor:
        """``z + tau * log(prior)`` when balanced, ``z`` otherwise."""
        if not self.balanced:
            return logits
        return logit_adjusted_logits(logits, self.class_counts, self.tau)

    def extra_repr(self) -> str:
        return f'tau={self.tau}, ' + super().extra_repr()
