"""Logit-adjusted cross entropy (Menon et al., ICLR 2021); with ``tau = 1``
the balanced softmax (Ren et al., NeurIPS 2020)."""
from typing import Optional

import torch
from mmaction.registry import MODELS

from .functional import CountsLike, weighted_soft_cross_entropy
from .two_stage_loss import TwoStageLoss


def logit_adjusted_cross_entropy(logits: torch.Tensor,
                                 soft_labels: torch.Tensor,
                                 counts: torch.Tensor,
                                 tau: float = 1.0) -> torch.Tensor:
    """Cross entropy of ``z + tau * log(prior)``, ``prior = n / sum(n)``.

    Device operations only; float32.

    Args:
        logits (torch.Tensor): ``(B, K)`` class scores.
        soft_labels (torch.Tensor): ``(B, K)`` target probabilities.
        counts (torch.Tensor): ``(K,)`` positive class counts.
        tau (float): Adjustment strength. Defaults to 1 (balanced softmax).

    Returns:
        torch.Tensor: The scalar loss (float32).
    """
    counts = counts.float()
    log_prior = (counts / counts.sum()).log()
    return weighted_soft_cross_entropy(logits.float() + tau * log_prior,
                                       soft_labels)


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

    def __init__(self,
                 tau: float = 1.0,
                 two_stage: bool = False,
                 class_counts: Optional[CountsLike] = None,
                 loss_weight: float = 1.0) -> None:
        self.tau = float(tau)
        super().__init__(two_stage=two_stage,
                         class_counts=class_counts,
                         loss_weight=loss_weight)

    def compute_loss(self, logits: torch.Tensor,
                     soft_labels: torch.Tensor) -> torch.Tensor:
        tau = self.tau if self.balanced else 0.0
        return logit_adjusted_cross_entropy(logits, soft_labels,
                                            self.class_counts, tau)

    def extra_repr(self) -> str:
        return f'tau={self.tau}, ' + super().extra_repr()
