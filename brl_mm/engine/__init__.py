"""Engine-side components: the detached two-stage schedule hook and the
launch helpers of tools/."""
from .hooks import DetachedScheduleHook, resolve_switch_epoch, stage_at_epoch
from .launch import (build_runner, check_work_dir, configure_distributed,
                     default_work_dir)

__all__ = [
    'DetachedScheduleHook', 'resolve_switch_epoch', 'stage_at_epoch',
    'build_runner', 'check_work_dir', 'configure_distributed',
    'default_work_dir'
]

# Reliability (issue 9): NaN guard and exact-resume seeding.
from .nan_guard import NonFiniteLossError, NonFiniteLossHook  # noqa: E402
from .rng_state import (EpochSeedHook, epoch_seed,  # noqa: E402
                        epoch_worker_init_fn)

__all__ += [
    'NonFiniteLossError', 'NonFiniteLossHook', 'EpochSeedHook', 'epoch_seed',
    'epoch_worker_init_fn'
]
