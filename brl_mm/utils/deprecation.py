"""Old import paths keep working for one release after a module moved."""
import warnings

__all__ = ['warn_moved']


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
