"""Shims of mmengine 0.10.7's config loading: ``pkg_resources_free_config``
(``mmaction::`` inheritance without ``pkg_resources``) and
``config_format_flag`` (``Config.fromfile`` honours
``format_python_code=False``)."""
import importlib.util
import os.path as osp
from importlib.metadata import PackageNotFoundError, distribution

__all__ = [
    'get_installed_path', 'is_installed', 'shim_config_format_flag',
    'shim_pkg_resources_free_config'
]


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


def shim_pkg_resources_free_config() -> bool:
    """Give mmengine's config loader ``importlib.metadata`` lookups."""
    import mmengine.config.config as config_module
    import mmengine.utils as utils_module
    import mmengine.utils.package_utils as package_utils
    for module in (config_module, utils_module, package_utils):
        module.is_installed = is_installed
        module.get_installed_path = get_installed_path
    return True


def shim_config_format_flag() -> bool:
    """Make ``Config.fromfile`` keep ``format_python_code``."""
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
