"""LDAM loss with deferred re-weighting (Cao et al., NeurIPS 2019)."""
from typing import Optional

import numpy as np
import torch
from mmaction.registry import MODELS

from .class_weights import class_balanced_weight
from .functional import CountsLike, weighted_soft_cross_entropy
from .two_stage_loss import TwoStageLoss


def ldam_margins(counts: torch.Tensor,
                 max_margin: float = 0.5) -> torch.Tensor:
    """Label-distribution-aware margins ``m_y ∝ n_y ** (-1/4)``, the rarest
    class getting ``max_margin``. Device operations only.

    Args:
        counts (torch.Tensor): ``(K,)`` positive class counts.
        max_margin (float): Margin of the rarest class. Defaults to 0.5.

    Returns:
        torch.Tensor: float32 margins ``(K,)``.
    """
    margins = counts.float().pow(-0.25)
    return margins * (max_margin / margins.max())


def ldam_logits(logits: torch.Tensor,
                soft_labels: torch.Tensor,
                margins: torch.Tensor,
                scale: float = 30.0) -> torch.Tensor:
    """LDAM's logits ``scale * (z - q * m)``.

    For a hard label ``y`` the margin ``m_y`` is subtracted from the target
    logit only; a soft label ``q`` subtracts ``q_c m_c`` from every logit
    ``c`` (the same for one-hot ``q``). Device operations only; float32.

    Args:
        logits (torch.Tensor): ``(B, K)`` class scores.
        soft_labels (torch.Tensor): ``(B, K)`` target probabilities.
        margins (torch.Tensor): ``(K,)`` per-class margins.
        scale (float): Logit scale ``s``. Defaults to 30.

    Returns:
        torch.Tensor: float32 ``(B, K)`` logits.
    """
    return scale * (logits.float() - soft_labels.float() * margins.float())


def ldam_loss(logits: torch.Tensor,
              soft_labels: torch.Tensor,
              margins: torch.Tensor,
              scale: float = 30.0,
              class_weight: Optional[torch.Tensor] = None,
              sync_normalizer: bool = False) -> torch.Tensor:
    """LDAM cross entropy: ``CE(scale * (z - q * m), q)``, class weighted.

    Args:
        logits (torch.Tensor): ``(B, K)`` class scores.
        soft_labels (torch.Tensor): ``(B, K)`` target probabilities.
        margins (torch.Tensor): ``(K,)`` per-class margins.
        scale (float): Logit scale ``s``. Defaults to 30.
        class_weight (torch.Tensor, optional): ``(K,)`` per-class weights.
        sync_normalizer (bool): Average the weight sum over DDP ranks
            (see :func:`~brl_mm.models.losses.functional.weighted_mean`).
            Defaults to False.

    Returns:
        torch.Tensor: The scalar LDAM loss (float32).
    """
    return weighted_soft_cross_entropy(ldam_logits(logits, soft_labels,
                                                   margins, scale),
                                       soft_labels, class_weight,
                                       sync_normalizer)


@MODELS.register_module()
class LDAMLoss(TwoStageLoss):
    """LDAM loss, with DRW: class-balanced re-weighting in stage 2.

    Margins ``max_margin * (n_min / n_y) ** (1/4)`` apply in both stages; with
    ``two_stage=True`` (LDAM-DRW) the cross entropy is unweighted in stage 1
    and weighted by :func:`class_balanced_weight` (``drw_beta``) in stage 2;
    ``two_stage=False`` re-weights throughout (``drw_beta=0`` gives plain
    LDAM). LDAM was designed for a cosine classifier; on the plain linear
    ``GCNHead`` the original code also uses ``scale=30`` (and a DRW beta of
    0.999999).

    Args:
        max_margin (float): Margin of the rarest class. Defaults to 0.5.
        scale (float): Logit scale ``s``. Defaults to 30.
        drw_beta (float): Effective-number beta of the stage-2 weights.
            Defaults to 0.9999.
        two_stage (bool): Deferred re-weighting. Defaults to True.
        class_counts (Sequence[int], optional): Counts for use without the
            hook.
        loss_weight (float): Factor on the loss. Defaults to 1.0.
    """

    balanced_form = 'LDAM margins, class-balanced (DRW) weights'

    def unbalanced_form(self) -> str:
        """LDAM-DRW's stage 1: margins, no re-weighting."""
        return 'LDAM margins, unweighted'

    def __init__(self,
                 max_margin: float = 0.5,
                 scale: float = 30.0,
                 drw_beta: float = 0.9999,
                 two_stage: bool = True,
                 class_counts: Optional[CountsLike] = None,
                 loss_weight: float = 1.0) -> None:
        if max_margin < 0 or scale <= 0:
            raise ValueError('LDAMLoss needs max_margin >= 0 and scale > 0, '
                             f'got {max_margin} and {scale}')
        if not 0.0 <= drw_beta < 1.0:
            raise ValueError(f'drw_beta must be in [0, 1), got {drw_beta}')
        self.max_margin = float(max_margin)
        self.scale = float(scale)
        self.drw_beta = float(drw_beta)
        super().__init__(two_stage=two_stage,
                         class_counts=class_counts,
                         loss_weight=loss_weight)

    def balanced_class_weight(self, counts: np.ndarray) -> np.ndarray:
        """The DRW (class-balanced) weights of ``counts``."""
        return class_balanced_weight(counts, self.drw_beta)

    def adjust_logits(self, logits: torch.Tensor,
                      soft_labels: torch.Tensor) -> torch.Tensor:
        """LDAM's margin-adjusted, scaled logits (both stages)."""
        margins = ldam_margins(self.class_counts, self.max_margin)
        return ldam_logits(logits, soft_labels, margins, self.scale)

    def extra_repr(self) -> str:
        return (f'max_margin={self.max_margin}, scale={self.scale}, '
                f'drw_beta={self.drw_beta}, ' + super().extra_repr())
