"""mmengine hooks: BRL's detached two-stage schedule
(:class:`DetachedScheduleHook`) and the reliability hooks (exact-resume
seeding, the non-finite loss guard)."""
from .detached_schedule import (DetachedScheduleHook, checkpoint_class_counts,
                                resolve_switch_epoch, same_counts_on_all_ranks,
                                stage_at_epoch)
from .epoch_seed import EpochSeedHook, epoch_seed, epoch_worker_init_fn
from .nan_guard import NonFiniteLossError, NonFiniteLossHook

__all__ = [
    'DetachedScheduleHook', 'checkpoint_class_counts', 'resolve_switch_epoch',
    'same_counts_on_all_ranks', 'stage_at_epoch', 'EpochSeedHook',
    'epoch_seed', 'epoch_worker_init_fn', 'NonFiniteLossError',
    'NonFiniteLossHook'
]
