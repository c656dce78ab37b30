"""Small helpers every part of brl-mm shares: atomic file writes, config
loading and the deprecation of moved import paths."""
from .atomic_io import (atomic_write, dump_atomically, overwrite_refusal,
                        refuse_to_overwrite)
from .config import load_config
from .deprecation import moved_names, warn_moved

__all__ = [
    'atomic_write', 'dump_atomically', 'overwrite_refusal',
    'refuse_to_overwrite', 'load_config',
    'moved_names', 'warn_moved'
]
