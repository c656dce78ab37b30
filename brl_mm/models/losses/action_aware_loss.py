"""BRL's action-aware (AA) loss: the loss half of the Detached Action-Aware
learning schedule (DAA, spec section 2)."""
from typing import Optional

import numpy as np
import torch
from mmaction.registry import MODELS

from .class_weights import action_aware_class_weight, check_action_aware_betas
from .functional import CountsLike, LossTerms
from .legacy import (legacy_flipped_class_weight,
                     legacy_mixed_cross_entropy_terms,
                     legacy_stage2_class_weight)
from .two_stage_loss import TwoStageLoss

__all__ = [
    'ActionAwareLoss', 'action_aware_class_weight',
    'legacy_flipped_class_weight'
]


@MODELS.register_module()
class ActionAwareLoss(TwoStageLoss):
    """BRL's action-aware loss (the DAA schedule's loss).

    Stage 1: plain cross entropy (all class weights 1). Stage 2: cross
    entropy weighted by :func:`action_aware_class_weight` of the training
    class counts. Soft labels ``q`` (mixup) give
    ``sum_ic q_ic w_c (-log p_ic) / sum_ic q_ic w_c``, which is exactly the
    weighted cross entropy for one-hot ``q``.

    Counts and stage come from :class:`~brl_mm.engine.DetachedScheduleHook`
    (add it to ``custom_hooks``); BRL switches to stage 2 for the last 5 of 24
    epochs. The K400 variant of the original (``KAALoss``) is this loss with
    the K400 counts (read from the dataset) and the hook's
    ``switch_epoch=130`` of 150 epochs.

    Args:
        upsilon (float): Smallest beta. Defaults to 0.99.
        lam (float): Beta range (the spec's lambda). Defaults to 0.0099.
        two_stage (bool): Plain cross entropy in stage 1 (BRL). ``False``
            weights from the first epoch. Defaults to True.
        legacy (bool): Reproduce the original code's loss (see
            :mod:`brl_mm.models.losses.legacy`): the weight flip of spec
            deviation 5 (the 2nd, 4th, ... stage-2 epochs use
            :func:`legacy_flipped_class_weight` instead of the AA weights;
            needs ``two_stage`` and the hook, which tells the loss the epoch
            within the stage) and the mixed loss of deviation 2,
            ``alpha * CE_w(y_a) + (1 - alpha) * CE_w(y_b)`` with one alpha
            per batch, read from the soft labels of
            ``RebalancedPartialMix(legacy=True)`` (use the two together; in
            stage 1, with uniform weights, it equals the soft-label mean).
            Defaults to False.
        class_counts (Sequence[int], optional): Counts for use without the
            hook.
        loss_weight (float): Factor on the loss. Defaults to 1.0.

    Example:
        >>> model = dict(cls_head=dict(loss_cls=dict(type='ActionAwareLoss')))
        >>> custom_hooks = [dict(type='DetachedScheduleHook')]
    """

    balanced_form = 'action-aware weighted cross entropy'

    def __init__(self,
                 upsilon: float = 0.99,
                 lam: float = 0.0099,
                 two_stage: bool = True,
                 legacy: bool = False,
                 class_counts: Optional[CountsLike] = None,
                 loss_weight: float = 1.0) -> None:
        check_action_aware_betas(upsilon, lam)
        if legacy and not two_stage:
            raise ValueError('legacy=True reproduces the original two-stage '
                             'schedule: it needs two_stage=True')
        self.upsilon = float(upsilon)
        self.lam = float(lam)
        self.legacy = bool(legacy)
        self._stage_epoch = 0
        super().__init__(two_stage=two_stage,
                         class_counts=class_counts,
                         loss_weight=loss_weight)

    def set_stage_epoch(self, epoch_in_stage: int) -> None:
        """Tell the loss the 0-based index of the epoch within its stage.

        Only the ``legacy`` weights depend on it.

        Args:
            epoch_in_stage (int): 0 at the first epoch of the current stage.
        """
        self._stage_epoch = int(epoch_in_stage)
        if self.legacy:
            self._refresh_class_weight()

    def balanced_class_weight(self, counts: np.ndarray) -> np.ndarray:
        """The action-aware weights of ``counts`` (legacy: of the epoch)."""
        if self.legacy:
            return legacy_stage2_class_weight(counts, self._stage_epoch,
                                              self.upsilon, self.lam)
        return action_aware_class_weight(counts, self.upsilon, self.lam)

    def loss_terms(self, logits: torch.Tensor,
                   soft_labels: torch.Tensor) -> LossTerms:
        """Weighted soft cross entropy; legacy: the original mixed loss."""
        if self.legacy:
            return legacy_mixed_cross_entropy_terms(logits, soft_labels,
                                                    self.class_weight)
        return super().loss_terms(logits, soft_labels)

    def extra_repr(self) -> str:
        return (f'upsilon={self.upsilon}, lam={self.lam}, '
                f'legacy={self.legacy}, ' + super().extra_repr())
