"""Class-balanced cross entropy (Cui et al., CVPR 2019): weights from the
effective number of samples."""
from typing import Optional

import numpy as np
from mmaction.registry import MODELS

from .class_weights import class_balanced_weight
from .functional import CountsLike
from .two_stage_loss import TwoStageLoss

__all__ = ['ClassBalancedLoss', 'class_balanced_weight']


@MODELS.register_module()
class ClassBalancedLoss(TwoStageLoss):
    """Class-balanced cross entropy (CB), two-stage capable (DRW style).

    The balanced form is the cross entropy weighted by
    :func:`class_balanced_weight`; with ``two_stage=True`` stage 1 is plain
    cross entropy (the original code's ``TwostageCBLoss``, whose beta is
    0.999; the spec's and CB paper's default is 0.9999). Accepts hard and
    soft labels like :class:`ActionAwareLoss`.

    Args:
        beta (float): Effective-number beta in ``[0, 1)``. Defaults to 0.9999.
        two_stage (bool): Re-weight in stage 2 only. Defaults to True.
        class_counts (Sequence[int], optional): Counts for use without the
            hook.
        loss_weight (float): Factor on the loss. Defaults to 1.0.
    """

    balanced_form = 'class-balanced (effective number) weighted cross entropy'

    def __init__(self,
                 beta: float = 0.9999,
                 two_stage: bool = True,
                 class_counts: Optional[CountsLike] = None,
                 loss_weight: float = 1.0) -> None:
        if not 0.0 <= beta < 1.0:
            raise ValueError(f'beta must be in [0, 1), got {beta}')
        self.beta = float(beta)
        super().__init__(two_stage=two_stage,
                         class_counts=class_counts,
                         loss_weight=loss_weight)

    def balanced_class_weight(self, counts: np.ndarray) -> np.ndarray:
        """The class-balanced weights of ``counts``."""
        return class_balanced_weight(counts, self.beta)

    def extra_repr(self) -> str:
        return f'beta={self.beta}, ' + super().extra_repr()
