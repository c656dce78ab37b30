"""Workarounds for the pinned stack (mmaction2 1.2.0, mmengine 0.10.7, torch>=2.6).

:func:`apply_all` runs on ``import brl_mm``, before any ``mmaction.models``
import. Each shim fixes one pitfall listed in the architecture note, is
idempotent, and can be switched off for tests (or to debug the stack) with the
environment variable ``BRL_MM_DISABLE_COMPAT=name[,name...]`` (``all`` for every
shim). The names are the keys of :data:`SHIMS`:

``drn_stub``
    The mmaction2 1.2.0 wheel lacks ``mmaction/models/localizers/drn``
    (upstream issue #2714), so ``import mmaction.models`` fails. We put a stub
    package in ``sys.modules`` whose ``DRN`` raises a clear error when built.
``multimodal_guard``
    ``mmaction.models.multimodal`` imports transformers' BERT/BEiT classes when
    transformers >= 4.28 is installed; transformers >= 5 removed what it needs.
    With transformers >= 5 we make mmaction register its placeholders instead,
    so skeleton models keep working.
``trusted_checkpoint_loading``
    torch >= 2.6 loads with ``weights_only=True``; mmengine 0.10.7 checkpoints
    hold Python objects (message hub, numpy scalars), so ``--resume`` and
    ``load_from`` fail (mmengine #1655). Local checkpoint files are first loaded
    with ``weights_only=True``; only when that fails is the *file the user
    named* re-read with ``weights_only=False``, and a log line says so. Load
    only checkpoints you trust (pickles can run code).
``pkg_resources_free_config``
    mmengine 0.10.7 resolves ``mmaction::`` config inheritance through
    ``pkg_resources``, which setuptools >= 82 removed. We give mmengine's
    config loader ``importlib.metadata`` based replacements.
``cpu_distributed``
    mmengine 0.10.7's ``init_dist`` calls ``torch.cuda.set_device`` for the
    pytorch launcher, which fails on machines without CUDA, so a CPU
    ``torchrun`` job (gloo) cannot start. Without CUDA we initialise the
    process group directly. (The DDP wrapper's ``device_ids`` are set by
    :func:`brl_mm.engine.configure_distributed`.)
``config_format_flag``
    mmengine 0.10.7's ``Config.fromfile(..., format_python_code=False)`` drops
    the flag for ordinary (non-lazy) configs, so the Runner formats the config
    text with yapf every time it logs or dumps it (three to six times a run,
    seconds each for the BRL configs). We make ``fromfile`` honour the flag;
    ``tools/train.py`` and ``tools/test.py`` pass ``False`` (the dumped
    config is the same Python, only not re-indented by yapf).
"""
import importlib
import importlib.util
import logging
import os
import os.path as osp
import pickle
import sys
import types
import warnings
from typing import Callable, Dict, List

from importlib.metadata import PackageNotFoundError, distribution

_APPLIED: List[str] = []


def _disabled() -> set:
    value = os.environ.get('BRL_MM_DISABLE_COMPAT', '')
    return {name.strip() for name in value.split(',') if name.strip()}


def _mmaction_root() -> str:
    spec = importlib.util.find_spec('mmaction')
    if spec is None or spec.origin is None:
        raise ImportError(
            'brl_mm needs mmaction2 1.2.0. Install it with '
            '`pip install --no-deps mmaction2==1.2.0` (see README).')
    return osp.dirname(spec.origin)


# ---------------------------------------------------------------- drn_stub
class _MissingDRN:
    """Stand-in for mmaction's DRN localizer, which the 1.2.0 wheel lacks."""

    def __init__(self, *args, **kwargs) -> None:
        raise ImportError(
            'DRN is missing from the mmaction2 1.2.0 wheel '
            '(open-mmlab/mmaction2#2714). brl_mm installed a stub so that '
            'skeleton models import; install mmaction2 from source to use '
            'DRN.')


def _shim_drn_stub() -> bool:
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


# -------------------------------------------------------- multimodal_guard
def _transformers_major() -> int:
    try:
        version = distribution('transformers').version
    except PackageNotFoundError:
        return 0
    try:
        return int(version.split('.')[0])
    except ValueError:
        return 0


def _shim_multimodal_guard() -> bool:
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


# ---------------------------------------------- trusted_checkpoint_loading
_logger = logging.getLogger('brl_mm')


def load_from_local_trusted(filename: str, map_location=None):
    """Load a local checkpoint file that the user named.

    Tries ``torch.load(weights_only=True)`` first; mmengine checkpoints hold
    Python objects, so on failure the file is read again with
    ``weights_only=False`` and a message says so. Unpickling can execute code:
    point ``load_from`` / ``--resume`` only at checkpoints you trust.

    Args:
        filename (str): Path of the checkpoint file.
        map_location: Same as :func:`torch.load`.

    Returns:
        dict: The loaded checkpoint.
    """
    import torch

    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(
            f'checkpoint {filename} not found: check `load_from` / `--resume` '
            '/ the CHECKPOINT argument')
    try:
        return torch.load(filename, map_location=map_location,
                          weights_only=True)
    except pickle.UnpicklingError:
        pass
    from mmengine.logging import print_log
    print_log(
        f'brl_mm: {filename} holds Python objects besides tensors (as every '
        'mmengine checkpoint does); loading it with weights_only=False because '
        'you named it. Only load checkpoints you trust.',
        logger='current', level=logging.INFO)
    return torch.load(filename, map_location=map_location, weights_only=False)


def _shim_trusted_checkpoint_loading() -> bool:
    from mmengine.runner.checkpoint import CheckpointLoader
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_from_local_trusted, force=True)
    return True


# ----------------------------------------------- pkg_resources_free_config
def _module_of(package: str) -> str:
    """Import name of an installed distribution (``mmaction2`` ->
    ``mmaction``)."""
    if importlib.util.find_spec(package.replace('-', '_')) is not None:
        return package.replace('-', '_')
    top_level = distribution(package).read_text('top_level.txt') or ''
    names = [line.strip() for line in top_level.splitlines() if line.strip()]
    if not names:
        raise ValueError(f'can not infer the module name of {package}')
    return names[0]


def is_installed(package: str) -> bool:
    """``pkg_resources``-free replacement of mmengine's ``is_installed``."""
    try:
        distribution(package)
        return True
    except PackageNotFoundError:
        spec = importlib.util.find_spec(package)
        return spec is not None and spec.origin is not None


def get_installed_path(package: str) -> str:
    """``pkg_resources``-free replacement of mmengine's
    ``get_installed_path``."""
    try:
        module = _module_of(package)
    except PackageNotFoundError:
        module = package
    spec = importlib.util.find_spec(module)
    if spec is None:
        raise PackageNotFoundError(package)
    if spec.origin is None:
        raise RuntimeError(f'{package} is a namespace package, which is '
                           'invalid for `get_installed_path`')
    return osp.dirname(spec.origin)


def _shim_pkg_resources_free_config() -> bool:
    import mmengine.config.config as config_module
    import mmengine.utils as utils_module
    import mmengine.utils.package_utils as package_utils
    for module in (config_module, utils_module, package_utils):
        module.is_installed = is_installed
        module.get_installed_path = get_installed_path
    return True


# ------------------------------------------------------- cpu_distributed
def _shim_cpu_distributed() -> bool:
    import torch
    from mmengine.dist import utils as dist_utils
    original = dist_utils._init_dist_pytorch
    if getattr(original, '_brl_mm_cpu_aware', False):
        return True

    def init_dist_pytorch(backend: str, init_backend: str = 'torch',
                          **kwargs) -> None:
        if torch.cuda.is_available() or init_backend != 'torch':
            return original(backend, init_backend=init_backend, **kwargs)
        if backend == 'nccl':
            backend = 'gloo'  # nccl needs CUDA
        torch.distributed.init_process_group(backend=backend, **kwargs)

    init_dist_pytorch._brl_mm_cpu_aware = True
    dist_utils._init_dist_pytorch = init_dist_pytorch
    return True


# ---------------------------------------------------- config_format_flag
def _shim_config_format_flag() -> bool:
    from mmengine.config import Config
    original = Config.__dict__['fromfile'].__func__  # a staticmethod
    if getattr(original, '_brl_mm_keeps_format_flag', False):
        return True

    def fromfile(filename, *args, format_python_code: bool = True, **kwargs):
        cfg = original(
            filename, *args, format_python_code=format_python_code, **kwargs)
        object.__setattr__(cfg, '_format_python_code', format_python_code)
        return cfg

    fromfile._brl_mm_keeps_format_flag = True
    fromfile.__doc__ = original.__doc__
    Config.fromfile = staticmethod(fromfile)
    return True


SHIMS: Dict[str, Callable[[], bool]] = {
    'drn_stub': _shim_drn_stub,
    'multimodal_guard': _shim_multimodal_guard,
    'trusted_checkpoint_loading': _shim_trusted_checkpoint_loading,
    'pkg_resources_free_config': _shim_pkg_resources_free_config,
    'cpu_distributed': _shim_cpu_distributed,
    'config_format_flag': _shim_config_format_flag,
}


def apply_all() -> List[str]:
    """Apply every shim not disabled by ``BRL_MM_DISABLE_COMPAT``.

    Returns:
        list[str]: Names of the shims that changed something so far.
    """
    # mmcv-lite has no compiled ops; the GCN path never needs them.
    warnings.filterwarnings(
        'ignore', message='Fail to import ``MultiScaleDeformableAttention``')
    disabled = _disabled()
    for name, shim in SHIMS.items():
        if name in _APPLIED or name in disabled or 'all' in disabled:
            continue
        if shim():
            _APPLIED.append(name)
    return list(_APPLIED)
