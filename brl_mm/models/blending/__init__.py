"""BRL's Rebalanced Partial Mixup, a batch blending of mmaction2.

* :mod:`.rebalanced_partial_mix`: :class:`RebalancedPartialMix` (registered
  in mmaction's ``MODELS``) and its functional core;
* :mod:`.rebalance`: the rebalancing rule of the mixed labels;
* :mod:`.legacy`: the reproduction of the original code's mixup
  (``legacy=True``).
"""
from .legacy import (legacy_mixed_mask, legacy_partial_mix,
                     sample_legacy_mix_pairs)
from .rebalance import rebalanced_alpha
from .rebalanced_partial_mix import (RebalancedPartialMix, partial_mix,
                                     sample_mix_pairs)

__all__ = [
    'RebalancedPartialMix', 'rebalanced_alpha', 'sample_mix_pairs',
    'sample_legacy_mix_pairs', 'legacy_mixed_mask', 'partial_mix',
    'legacy_partial_mix'
]
