"""Engine-side helpers: launching, hooks."""
from .launch import (build_runner, check_work_dir, default_work_dir,
                     select_dist_backend)

__all__ = [
    'build_runner', 'check_work_dir', 'default_work_dir', 'select_dist_backend'
]
