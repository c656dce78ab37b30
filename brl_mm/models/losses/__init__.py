"""Long-tail classification losses (BRL's action-aware loss and the
baselines it is compared with), registered in mmaction's ``MODELS``.

All follow brl_mm's class-count / stage protocol (``requires_class_counts``,
``set_class_counts``, ``set_stage``) driven by
:class:`~brl_mm.engine.DetachedScheduleHook`, and accept hard ``(B,)`` and
soft ``(B, K)`` labels. Each loss gives per-sample terms (or adjusted
logits) and :class:`TwoStageLoss` reduces them once, with a normalizer
synced over DDP ranks. Reproduction of the original code's loss lives in
:mod:`brl_mm.models.losses.legacy`.
"""
from .action_aware_loss import ActionAwareLoss
from .class_balanced_loss import ClassBalancedLoss
from .class_weights import action_aware_class_weight, class_balanced_weight
from .focal_loss import FocalLoss, softmax_focal_loss, softmax_focal_terms
from .functional import (LossTerms, as_soft_labels, soft_cross_entropy_terms,
                         validate_class_counts, weighted_mean,
                         weighted_soft_cross_entropy)
from .ldam_loss import LDAMLoss, ldam_logits, ldam_loss, ldam_margins
from .legacy import (legacy_flipped_class_weight, legacy_mixed_cross_entropy,
                     legacy_pair_labels)
from .logit_adjusted_loss import (LogitAdjustedLoss,
                                  logit_adjusted_cross_entropy,
                                  logit_adjusted_logits)
from .two_stage_loss import TwoStageLoss

__all__ = [
    'TwoStageLoss', 'ActionAwareLoss', 'ClassBalancedLoss', 'FocalLoss',
    'LDAMLoss', 'LogitAdjustedLoss', 'action_aware_class_weight',
    'legacy_flipped_class_weight', 'class_balanced_weight',
    'softmax_focal_loss', 'ldam_margins', 'ldam_loss',
    'logit_adjusted_cross_entropy', 'as_soft_labels', 'validate_class_counts',
    'weighted_soft_cross_entropy', 'LossTerms', 'weighted_mean',
    'soft_cross_entropy_terms', 'softmax_focal_terms', 'ldam_logits',
    'logit_adjusted_logits', 'legacy_mixed_cross_entropy',
    'legacy_pair_labels'
]
