"""BRL's action-aware (AA) loss: the loss half of the Detached Action-Aware
learning schedule (DAA, spec section 2)."""
from typing import Optional

import numpy as np
from mmaction.registry import MODELS

from .functional import CountsLike, validate_class_counts
from .two_stage_loss import TwoStageLoss


def _action_aware_betas(counts: np.ndarray, upsilon: float,
                        lam: float) -> np.ndarray:
    n_min, n_max = counts.min(), counts.max()
    if n_max == n_min:
        # Balanced data: every class gets the same beta (no 0/0).
        relative = np.zeros_like(counts)
    else:
        relative = (counts - n_min) / (n_max - n_min)
    return upsilon + lam * relative


def _normalize_to_num_classes(weights: np.ndarray) -> np.ndarray:
    return weights / weights.sum() * weights.size


def action_aware_class_weight(counts: CountsLike,
                              upsilon: float = 0.99,
                              lam: float = 0.0099) -> np.ndarray:
    """BRL's action-aware class weights.

    ``beta_y = upsilon + lam * (n_y - n_min) / (n_max - n_min)``,
    ``w_y = (1 - beta_y) / (1 - beta_y ** n_y)``, normalized so that
    ``sum_y w_y = K``. When every class has the same count the ratio is taken
    as 0 (``beta_y = upsilon``), which gives uniform weights. A class with a
    single sample gets ``w_y = 1`` before normalization. A class without
    samples is an error.

    Args:
        counts (Sequence[int] | np.ndarray | torch.Tensor): Per-class
            training counts ``(K,)``.
        upsilon (float): Smallest beta (of the rarest class). Defaults to
            0.99.
        lam (float): Beta range: the most frequent class gets
            ``upsilon + lam``. Defaults to 0.0099 (beta 0.99 .. 0.9999).

    Returns:
        np.ndarray: float64 weights ``(K,)`` summing to ``K``.
    """
    _check_betas(upsilon, lam)
    counts = validate_class_counts(counts, owner='action_aware_class_weight')
    beta = _action_aware_betas(counts, upsilon, lam)
    return _normalize_to_num_classes((1.0 - beta) / (1.0 - beta**counts))


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
    _check_betas(upsilon, lam)
    counts = validate_class_counts(counts, owner='legacy_flipped_class_weight')
    flipped = 1.0 - _action_aware_betas(counts, upsilon, lam)
    return _normalize_to_num_classes((1.0 - flipped) / (1.0 - flipped**counts))


def _check_betas(upsilon: float, lam: float) -> None:
    if not (0.0 <= upsilon and lam >= 0.0 and upsilon + lam < 1.0):
        raise ValueError(
            'action-aware betas need 0 <= upsilon, 0 <= lam and upsilon + lam'
            f' < 1 (beta = 1 divides by zero), got upsilon={upsilon}, '
            f'lam={lam}')


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
        legacy (bool): Reproduce the original code's weight flip (spec
            deviation 5): the 2nd, 4th, ... stage-2 epochs use
            :func:`legacy_flipped_class_weight` instead of the AA weights.
            Needs ``two_stage`` and the hook (it tells the loss the epoch
            within the stage). Defaults to False.
        class_counts (Sequence[int], optional): Counts for use without the
            hook.
        loss_weight (float): Factor on the loss. Defaults to 1.0.

    Example:
        >>> model = dict(cls_head=dict(loss_cls=dict(type='ActionAwareLoss')))
        >>> custom_hooks = [dict(type='DetachedScheduleHook')]
    """

    def __init__(self,
                 upsilon: float = 0.99,
                 lam: float = 0.0099,
                 two_stage: bool = True,
                 legacy: bool = False,
                 class_counts: Optional[CountsLike] = None,
                 loss_weight: float = 1.0) -> None:
        _check_betas(upsilon, lam)
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
        """The action-aware weights of ``counts``."""
        if self.legacy and self._stage_epoch % 2 == 1:
            return legacy_flipped_class_weight(counts, self.upsilon, self.lam)
        return action_aware_class_weight(counts, self.upsilon, self.lam)

    def extra_repr(self) -> str:
        return (f'upsilon={self.upsilon}, lam={self.lam}, '
                f'legacy={self.legacy}, ' + super().extra_repr())
