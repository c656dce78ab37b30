"""Class-rebalancing data samplers, registered in mmengine's DATA_SAMPLERS.

* :class:`ClassAwareSampler`: a class uniformly, then one of its samples;
* :class:`ClassPowerSampler`: classes ``~ n_c ** q`` (``q=0.5``:
  square-root sampling);
* :class:`RepeatFactorSampler`: LVIS repeat-factor sampling, threshold ``t``.

All share :class:`EpochPlanSampler`: a fixed-length epoch plan from
``seed + epoch``, split into disjoint per-rank shards, repeated exactly
after a resume; they read the classes through dataset wrappers
(:func:`dataset_cat_ids`).
"""
from .class_frequency import (ClassAwareSampler, ClassPowerSampler,
                              class_power_rates)
from .class_ids import dataset_cat_ids
from .epoch_plan_sampler import EpochPlanSampler, epoch_plan
from .repeat_factor import RepeatFactorSampler, repeat_factors

__all__ = [
    'ClassAwareSampler', 'ClassPowerSampler', 'RepeatFactorSampler',
    'EpochPlanSampler', 'epoch_plan', 'dataset_cat_ids', 'class_power_rates',
    'repeat_factors'
]
