"""Shim ``trusted_checkpoint_loading``: torch >= 2.6 loads with
``weights_only=True``, which rejects mmengine checkpoints (mmengine #1655)."""
import logging
import os.path as osp
import pickle

__all__ = ['load_from_local_trusted', 'shim_trusted_checkpoint_loading']

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


def shim_trusted_checkpoint_loading() -> bool:
    """Route local checkpoint files through :func:`load_from_local_trusted`."""
    from mmengine.runner.checkpoint import CheckpointLoader
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_from_local_trusted, force=True)
    return True
