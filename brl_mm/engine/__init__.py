"""Engine-side components: BRL's detached two-stage schedule hook, the
reliability hooks (NaN guard, exact-resume seeding) and the launch helpers of
tools/. The cache warm-up and compile hooks of the fast path live in
:mod:`brl_mm.fast`."""
from ..utils.deprecation import moved_names
from .hooks import (DetachedScheduleHook, EpochSeedHook, NonFiniteLossError,
                    NonFiniteLossHook, checkpoint_class_counts, epoch_seed,
                    epoch_worker_init_fn, resolve_switch_epoch,
                    stage_at_epoch)
from .launch import (build_runner, check_work_dir, configure_distributed,
                     default_work_dir)

__all__ = [
    'DetachedScheduleHook', 'checkpoint_class_counts', 'resolve_switch_epoch',
    'stage_at_epoch',
    'NonFiniteLossError', 'NonFiniteLossHook', 'EpochSeedHook', 'epoch_seed',
    'epoch_worker_init_fn', 'build_runner', 'check_work_dir',
    'configure_distributed', 'default_work_dir'
]

# Moved in 0.2 (one release of deprecation warnings).
__getattr__ = moved_names(__name__, {
    name: 'brl_mm.fast'
    for name in ('CompileModulesHook', 'WarmNormalizeCacheHook',
                 'warm_normalize_cache')
})
