"""Old import paths keep working for one release after a module moved."""
import importlib
import warnings
from typing import Any, Callable, Dict

__all__ = ['moved_names', 'warn_moved']


def warn_moved(old: str, new: str) -> None:
    """Warn that module ``old`` moved to ``new`` (call it from the old
    module, which then re-exports the new one's names).

    Args:
        old (str): The old dotted module path (``__name__`` of the caller).
        new (str): The dotted path of the module that replaces it.
    """
    warnings.warn(
        f'{old} moved to {new}; the old import path is deprecated and will '
        f'be removed in the next release: import from {new}.',
        DeprecationWarning, stacklevel=3)


def moved_names(old: str, moves: Dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` (PEP 562) for names that left module ``old``.

    ``__getattr__ = moved_names(__name__, {'Name': 'brl_mm.new.module'})``
    in the old module keeps ``from old import Name`` working: the name is
    imported from its new module, with a :class:`DeprecationWarning`.

    Args:
        old (str): The old module (``__name__`` of the caller).
        moves (dict[str, str]): Moved name to the module that now holds it.

    Returns:
        Callable: The ``__getattr__`` to assign in the old module.
    """

    def __getattr__(name: str) -> Any:
        if name not in moves:
            raise AttributeError(f'module {old!r} has no attribute {name!r}')
        warnings.warn(
            f'{old}.{name} moved to {moves[name]}.{name}; the old import '
            f'path is deprecated and will be removed in the next release.',
            DeprecationWarning, stacklevel=2)
        return getattr(importlib.import_module(moves[name]), name)

    return __getattr__
