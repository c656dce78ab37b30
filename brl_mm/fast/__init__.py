"""The opt-in fast path: stand-ins for stock mmaction2 parts that compute the
same thing bit for bit, faster (see ``brl_mm/fast/README.md`` for the table
"stand-in = stock part"). None of them is part of the BRL method; a config
uses them by naming them, and the stock parts work in their place."""
import warnings

from .cache_hook import WarmNormalizeCacheHook, warm_normalize_cache
from .collate import compact_collate
from .compile_hook import CompileModulesHook, compile_modules
from .normalize import CachedPreNormalize3D
from .sampling import FastUniformSampleFrames

__all__ = [
    'CachedPreNormalize3D', 'FastUniformSampleFrames', 'compact_collate',
    'WarmNormalizeCacheHook', 'warm_normalize_cache', 'CompileModulesHook',
    'compile_modules'
]

try:
    import mmaction.models  # noqa: F401  (needs brl_mm's compat shims on)
except ImportError as error:
    warnings.warn(f'brl_mm.fast: mmaction.models does not import ({error}); '
                  'SyncFreeGCNHead is not registered. Keep the compat shims '
                  'on (unset BRL_MM_DISABLE_COMPAT) to use it.')
else:
    from .heads import SyncFreeGCNHead, top_k_accuracy_on_device  # noqa: E402
    __all__ += ['SyncFreeGCNHead', 'top_k_accuracy_on_device']
