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
