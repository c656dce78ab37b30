"""Class-frequency samplers: class-aware and square-root / power-``q``.

A draw picks a class ``c`` with probability proportional to ``n_c ** q``
(``n_c``: training samples of class ``c``), then one of that class's samples
uniformly:

* ``q = 1``: every sample equally often (the natural, long-tailed
  distribution);
* ``q = 0.5``: square-root sampling, between the two;
* ``q = 0``: class-aware (class-balanced) sampling, every class equally
  often (:class:`ClassAwareSampler`).

Both are mmengine data samplers::

    train_dataloader = dict(
        sampler=dict(type='ClassAwareSampler'),  # or ClassPowerSampler, q=0.5
        ...)

See :mod:`.epoch_plan_sampler` for how an epoch is drawn (every class gets the
``floor`` or ``ceil`` of its share each epoch), split over ranks and
repeated after a resume.
"""
import math
from typing import Optional, Sized, Tuple

import numpy as np
from mmengine.registry import DATA_SAMPLERS

from .epoch_plan_sampler import EpochPlanSampler, class_counts_of, first_class

__all__ = ['ClassPowerSampler', 'ClassAwareSampler', 'class_power_rates']


def class_power_rates(cat_ids, q: float) -> Tuple[np.ndarray, np.ndarray,
                                                  np.ndarray]:
    """Per-sample rates of "a class ``~ n_c ** q``, then a sample of it".

    Args:
        cat_ids (list[list[int]]): The class ids of every sample.
        q (float): The power.

    Returns:
        tuple[np.ndarray, np.ndarray, np.ndarray]: ``(L,)`` float64 rates
        (summing to 1; a sample in several classes collects each class's
        share; one without a class is never drawn), ``(L,)`` int64 groups,
        and ``(K,)`` the target class probabilities ``n_c**q / sum``.
    """
    item, cls, counts = class_counts_of(cat_ids)
    present = counts > 0
    mass = np.zeros(len(counts), dtype=np.float64)
    mass[present] = counts[present].astype(np.float64)**q
    mass /= mass.sum()
    rates = np.zeros(len(cat_ids), dtype=np.float64)
    np.add.at(rates, item, mass[cls] / counts[cls])
    return rates, first_class(item, cls, len(cat_ids)), mass


@DATA_SAMPLERS.register_module()
class ClassPowerSampler(EpochPlanSampler):
    """Sample classes with probability ``~ n_c ** q``, then uniformly within.

    Args:
        dataset (Sized): The training dataset (through wrappers).
        q (float): The power: 1 natural, 0.5 square-root, 0 class-aware.
            Defaults to 0.5.
        epoch_length (int, optional): Indices per epoch over all ranks.
            Defaults to the dataset's length.
        seed (int, optional): Base seed (the runner passes its seed).
        round_up (bool): Same number of samples on every rank. Defaults to
            True.
    """

    def __init__(self,
                 dataset: Sized,
                 q: float = 0.5,
                 epoch_length: Optional[int] = None,
                 seed: Optional[int] = None,
                 round_up: bool = True) -> None:
        if isinstance(q, bool) or not isinstance(
                q, (int, float)) or not math.isfinite(q):
            raise ValueError(
                f'{type(self).__name__}: q must be a finite number, got {q!r}')
        self.q = float(q)
        self.class_probs: Optional[np.ndarray] = None
        super().__init__(dataset, epoch_length, seed, round_up)

    def sample_rates(self, cat_ids) -> Tuple[np.ndarray, np.ndarray]:
        """Rates of :func:`class_power_rates`; keeps ``class_probs``."""
        rates, groups, self.class_probs = class_power_rates(cat_ids, self.q)
        return rates, groups

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(q={self.q}, '
                f'epoch_length={self.epoch_length}, seed={self.seed})')


@DATA_SAMPLERS.register_module()
class ClassAwareSampler(ClassPowerSampler):
    """Class-aware sampling: a class uniformly, then one of its samples.

    :class:`ClassPowerSampler` with ``q = 0``: in every epoch each class
    appears ``floor`` or ``ceil`` of ``epoch_length / K`` times, each
    sample of class ``c`` about ``epoch_length / (K n_c)`` times. The
    arguments are :class:`ClassPowerSampler`'s without ``q``.
    """

    def __init__(self,
                 dataset: Sized,
                 epoch_length: Optional[int] = None,
                 seed: Optional[int] = None,
                 round_up: bool = True) -> None:
        super().__init__(dataset, 0.0, epoch_length, seed, round_up)
