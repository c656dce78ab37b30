"""Shim ``cpu_distributed``: mmengine 0.10.7's ``init_dist`` calls
``torch.cuda.set_device``, so ``torchrun`` on a machine without CUDA (gloo)
cannot start."""

__all__ = ['shim_cpu_distributed']


def shim_cpu_distributed() -> bool:
    """Let mmengine's pytorch launcher start without CUDA (gloo)."""
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
