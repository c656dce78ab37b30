"""Long-tail classification losses (BRL's action-aware loss and the
baselines it is compared with), registered in mmaction's ``MODELS``.

All follow brl_mm's class-count / stage protocol (``requires_class_counts``,
``set_class_counts``, ``set_stage``) driven by
:class:`~brl_mm.engine.DetachedScheduleHook`, and accept hard ``(B,)`` and
soft ``(B, K)`` labels.
"""
from .action_aware_loss import (ActionAwareLoss, action_aware_class_weight,
                                legacy_flipped_class_weight)
from .class_balanced_loss import ClassBalancedLoss, class_balanced_weight
from .focal_loss import FocalLoss, softmax_focal_loss
from .functional import (as_soft_labels, validate_class_counts,
                         weighted_soft_cross_entropy)
from .ldam_loss import LDAMLoss, ldam_loss, ldam_margins
from .logit_adjusted_loss import (LogitAdjustedLoss,
                                  logit_adjusted_cross_entropy)
from .two_stage_loss import TwoStageLoss

__all__ = [
    'TwoStageLoss', 'ActionAwareLoss', 'ClassBalancedLoss', 'FocalLoss',
    'LDAMLoss', 'LogitAdjustedLoss', 'action_aware_class_weight',
    'legacy_flipped_class_weight', 'class_balanced_weight',
    'softmax_focal_loss', 'ldam_margins', 'ldam_loss',
    'logit_adjusted_cross_entropy', 'as_soft_labels', 'validate_class_counts',
    'weighted_soft_cross_entropy'
]
