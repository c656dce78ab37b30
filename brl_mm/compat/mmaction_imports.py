"""Shims that let ``import mmaction.models`` succeed on the pinned stack:
``drn_stub`` (the 1.2.0 wheel lacks the DRN localizer) and
``multimodal_guard`` (transformers >= 5)."""
import importlib
import importlib.util
import os.path as osp
import sys
import types
import warnings
from importlib.metadata import PackageNotFoundError, distribution

__all__ = ['shim_drn_stub', 'shim_multimodal_guard']


def _mmaction_root() -> str:
    spec = importlib.util.find_spec('mmaction')
    if spec is None or spec.origin is None:
        raise ImportError(
            'brl_mm needs mmaction2 1.2.0. Install it with '
            '`pip install --no-deps mmaction2==1.2.0` (see README).')
    return osp.dirname(spec.origin)


class _MissingDRN:
    """Stand-in for mmaction's DRN localizer, which the 1.2.0 wheel lacks."""

    def __init__(self, *args, **kwargs) -> None:
        raise ImportError(
            'DRN is missing from the mmaction2 1.2.0 wheel '
            '(open-mmlab/mmaction2#2714). brl_mm installed a stub so that '
            'skeleton models import; install mmaction2 from source to use '
            'DRN.')


def shim_drn_stub() -> bool:
    """Put a stub DRN package in ``sys.modules`` if the wheel lacks it."""
    drn_dir = osp.join(_mmaction_root(), 'models', 'localizers', 'drn')
    name = 'mmaction.models.localizers.drn'
    if osp.isdir(drn_dir) or name in sys.modules:
        return False
    package = types.ModuleType(name)
    package.__path__ = []  # a package, so that `.drn.drn` resolves
    module = types.ModuleType(name + '.drn')
    module.DRN = _MissingDRN
    package.drn = module
    sys.modules[name] = package
    sys.modules[name + '.drn'] = module
    return True


def _transformers_major() -> int:
    try:
        version = distribution('transformers').version
    except PackageNotFoundError:
        return 0
    try:
        return int(version.split('.')[0])
    except ValueError:
        return 0


def shim_multimodal_guard() -> bool:
    """With transformers >= 5, make mmaction register multimodal placeholders."""
    if _transformers_major() < 5:
        return False
    if 'mmaction.models.multimodal' in sys.modules:
        return False
    dependency = importlib.import_module('mmaction.utils.dependency')
    if dependency.WITH_MULTIMODAL:
        dependency.WITH_MULTIMODAL = False
        warnings.warn(
            'transformers >= 5 is installed; mmaction2 1.2.0 multimodal models '
            '(VindLU) need transformers 4.x and are disabled. Skeleton models '
            'are unaffected.', stacklevel=2)
    return True
