"""brl-mm: Balanced Representation Learning for long-tailed skeleton action
recognition on MMAction2 1.x.

Importing the package first applies the compatibility shims of
:mod:`brl_mm.compat` (they must run before ``mmaction.models`` is imported),
then registers every component into mmaction2's own registries. Configs load
it with ``custom_imports = dict(imports=['brl_mm'],
allow_failed_imports=False)``.
"""
from . import compat

compat.apply_all()

from . import datasets, engine, evaluation, fast, models  # noqa: E402,F401
from . import zoo  # noqa: E402,F401  (registers the brl:// checkpoints)
from .version import __version__  # noqa: E402

__all__ = [
    '__version__', 'compat', 'datasets', 'engine', 'evaluation', 'fast',
    'models', 'zoo'
]
