"""Model-side components registered into mmaction's MODELS registry."""
from ..utils.deprecation import moved_names
from . import losses  # noqa: F401,E402


def _mmaction_models_importable() -> bool:
    """The backbones, the blending and the head build on ``mmaction.models``,
    which imports only with brl_mm's compat shims on (see
    BRL_MM_DISABLE_COMPAT)."""
    import warnings
    try:
        import mmaction.models  # noqa: F401
    except ImportError as error:
        warnings.warn(
            f'brl_mm: mmaction.models does not import ({error}); '
            'RebalancedPartialMix, the CTRGCN / MSG3D backbones and the '
            'table graph layouts (nw_ucla) are not registered. Keep the '
            'compat shims on (unset BRL_MM_DISABLE_COMPAT) to use them.')
        return False
    return True


if _mmaction_models_importable():
    from . import backbones  # noqa: F401  (CTRGCN, MSG3D)
    from .blending import RebalancedPartialMix  # noqa: F401

# Moved in 0.2 (one release of deprecation warnings).
__getattr__ = moved_names(__name__, {'SyncFreeGCNHead': 'brl_mm.fast'})
