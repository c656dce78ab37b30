"""Shim ``numpy_inf``: numpy 2 removed ``np.Inf``, which mmaction2 1.2.0's
``PoseCompact`` and ``MMCompact`` (``mmaction/datasets/transforms/
pose_transforms.py``) still use, so they raise ``AttributeError`` on any
input. We give that one module a numpy whose ``Inf`` is ``np.inf``; numpy
itself is left unchanged."""
import types

__all__ = ['NumpyWithInf', 'shim_numpy_inf']


class NumpyWithInf(types.ModuleType):
    """A stand-in for the ``numpy`` module with numpy 1's ``Inf`` alias.

    Every other attribute is numpy's own (looked up on each access).

    Args:
        numpy (module): The real numpy module.
    """

    def __init__(self, numpy: types.ModuleType) -> None:
        super().__init__(numpy.__name__, numpy.__doc__)
        self._numpy = numpy
        self.Inf = numpy.inf

    def __getattr__(self, name: str):
        return getattr(self._numpy, name)


def shim_numpy_inf() -> bool:
    """Give mmaction's pose transforms ``np.Inf`` under numpy >= 2.

    Returns:
        bool: Whether the shim changed something (False on numpy 1).
    """
    import numpy
    if hasattr(numpy, 'Inf'):
        return False
    from mmaction.datasets.transforms import pose_transforms
    if not isinstance(pose_transforms.np, NumpyWithInf):
        pose_transforms.np = NumpyWithInf(numpy)
    return True
