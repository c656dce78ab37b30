"""Repeat-factor sampling (LVIS, Gupta et al. 2019) as an epoch sampler.

Class ``c`` with frequency ``f_c`` (share of the samples that hold it) gets
the repeat factor ``r_c = max(1, sqrt(t / f_c))``; a sample gets the largest
factor of its classes, ``r_i = max_c r_c`` (1 without a class). Classes
rarer than the threshold ``t`` are oversampled, the others left as they
are. LVIS repeats each sample ``floor(r_i)`` times plus once more with
probability ``frac(r_i)``, so its epochs vary in length; here an epoch has a
fixed length (default ``round(sum_i r_i)``, LVIS's mean) and each sample
appears ``floor`` or ``ceil`` of its share, mean ``r_i`` at that length
(:mod:`.epoch_plan_sampler`). mmengine's ``ClassBalancedDataset`` repeats by
``ceil(r_i)`` and needs ``get_cat_ids`` on the dataset; this sampler reads
the classes through the wrappers instead::

    train_dataloader = dict(
        sampler=dict(type='RepeatFactorSampler', t=0.01), ...)
"""
import math
from typing import Optional, Sized, Tuple

import numpy as np
from mmengine.registry import DATA_SAMPLERS

from .epoch_plan_sampler import EpochPlanSampler, class_counts_of, first_class

__all__ = ['RepeatFactorSampler', 'repeat_factors']


def repeat_factors(cat_ids, t: Optional[float] = None) -> np.ndarray:
    """LVIS repeat factor of every sample.

    Args:
        cat_ids (list[list[int]]): The class ids of every sample.
        t (float, optional): Frequency threshold. None: ``1 / K`` for the
            ``K`` classes present (classes below the uniform share are
            oversampled).

    Returns:
        np.ndarray: ``(L,)`` float64 factors, each ``>= 1``.
    """
    item, cls, counts = class_counts_of(cat_ids)
    present = counts > 0
    if t is None:
        t = 1.0 / max(int(present.sum()), 1)
    freq = counts / float(len(cat_ids))
    class_factor = np.ones(len(counts), dtype=np.float64)
    class_factor[present] = np.maximum(1.0, np.sqrt(t / freq[present]))
    factors = np.ones(len(cat_ids), dtype=np.float64)
    np.maximum.at(factors, item, class_factor[cls])
    return factors


@DATA_SAMPLERS.register_module()
class RepeatFactorSampler(EpochPlanSampler):
    """Oversample the samples of rare classes by LVIS's repeat factor.

    Args:
        dataset (Sized): The training dataset (through wrappers).
        t (float, optional): Frequency threshold in ``(0, 1]``: classes
            holding a share ``f_c < t`` of the samples are repeated
            ``sqrt(t / f_c)`` times. None: ``1 / K``. Defaults to None.
        epoch_length (int, optional): Indices per epoch over all ranks.
            Defaults to ``round(sum of repeat factors)``.
        seed (int, optional): Base seed (the runner passes its seed).
        round_up (bool): Same number of samples on every rank. Defaults to
            True.
    """

    def __init__(self,
                 dataset: Sized,
                 t: Optional[float] = None,
                 epoch_length: Optional[int] = None,
                 seed: Optional[int] = None,
                 round_up: bool = True) -> None:
        if t is not None and (isinstance(t, bool)
                              or not isinstance(t, (int, float))
                              or not 0 < t <= 1 or math.isnan(t)):
            raise ValueError(f'RepeatFactorSampler: t must be in (0, 1], '
                             f'got {t!r}')
        self.t = t
        self.repeat_factors: Optional[np.ndarray] = None
        super().__init__(dataset, epoch_length, seed, round_up)

    def sample_rates(self, cat_ids) -> Tuple[np.ndarray, np.ndarray]:
        """The repeat factors (kept in ``repeat_factors``)."""
        self.repeat_factors = repeat_factors(cat_ids, self.t)
        item, cls, _ = class_counts_of(cat_ids)
        return self.repeat_factors, first_class(item, cls, len(cat_ids))

    def default_epoch_length(self, cat_ids) -> int:
        """LVIS's mean epoch: ``round(sum_i r_i)``."""
        return int(round(float(self.repeat_factors.sum())))

    def __repr__(self) -> str:
        return (f'RepeatFactorSampler(t={self.t}, '
                f'epoch_length={self.epoch_length}, seed={self.seed})')
