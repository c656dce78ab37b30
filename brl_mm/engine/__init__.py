"""Engine-side components: the detached two-stage schedule hook, the
reliability hooks (NaN guard, exact-resume seeding), the normalization cache
warm-up, the opt-in compile hook and the launch helpers of tools/."""
from .cache_hook import WarmNormalizeCacheHook, warm_normalize_cache
from .compile_hook import CompileModulesHook
from .hooks import DetachedScheduleHook, resolve_switch_epoch, stage_at_epoch
from .launch import (build_runner, check_work_dir, configure_distributed,
                     default_work_dir)
from .nan_guard import NonFiniteLossError, NonFiniteLossHook
from .rng_state import EpochSeedHook, epoch_seed, epoch_worker_init_fn

__all__ = [
    'DetachedScheduleHook', 'resolve_switch_epoch', 'stage_at_epoch',
    'NonFiniteLossError', 'NonFiniteLossHook', 'EpochSeedHook', 'epoch_seed',
    'epoch_worker_init_fn', 'build_runner', 'check_work_dir',
    'configure_distributed', 'default_work_dir', 'CompileModulesHook',
    'WarmNormalizeCacheHook', 'warm_normalize_cache'
]
