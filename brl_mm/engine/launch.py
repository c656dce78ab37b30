"""What ``tools/train.py`` and ``tools/test.py`` share: work dirs, the
distributed backend and building mmengine's Runner."""
import argparse
import glob
import os
import os.path as osp
from typing import List, Optional

from mmengine.config import Config, DictAction
from mmengine.runner import Runner


def default_work_dir(config_path: str) -> str:
    """``./work_dirs/<config name>``, mmaction's default."""
    return osp.join('./work_dirs', osp.splitext(osp.basename(config_path))[0])


def configure_distributed(cfg: Config,
                          cuda_available: Optional[bool] = None) -> str:
    """Make a config's distributed settings work on the machine at hand.

    The configs ask for nccl (the right choice on GPUs); a CPU-only
    ``torchrun`` job (tests, debugging) needs gloo, and its DDP wrapper must
    not be given a CUDA device id. An explicit backend other than nccl and an
    explicit ``model_wrapper_cfg`` are left alone.

    Args:
        cfg (Config): The config; ``env_cfg.dist_cfg.backend`` and, without
            CUDA in a distributed launch, ``model_wrapper_cfg`` are updated.
        cuda_available (bool, optional): Override ``torch.cuda.is_available()``
            (for tests).

    Returns:
        str: The backend that the config now names.
    """
    if cuda_available is None:
        import torch
        cuda_available = torch.cuda.is_available()
    env_cfg = dict(cfg.get('env_cfg') or {})
    dist_cfg = dict(env_cfg.get('dist_cfg') or {})
    backend = dist_cfg.get('backend', 'nccl')
    if backend == 'nccl' and not cuda_available:
        backend = 'gloo'
    dist_cfg['backend'] = backend
    env_cfg['dist_cfg'] = dist_cfg
    cfg.env_cfg = env_cfg
    launched = cfg.get('launcher', 'none') not in (None, 'none')
    if launched and not cuda_available and not cfg.get('model_wrapper_cfg'):
        cfg.model_wrapper_cfg = dict(
            type='MMDistributedDataParallel',
            device_ids=None,
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))
    return backend


def check_work_dir(work_dir: str, resume, overwrite: bool = False) -> None:
    """Refuse to train a new run over the checkpoints of an earlier one.

    mmengine would silently replace ``epoch_N.pth`` of the earlier run.

    Args:
        work_dir (str): The run's work dir.
        resume: ``--resume`` (None/False when not resuming).
        overwrite (bool): The user asked to overwrite (``--overwrite``).
    """
    if resume or overwrite:
        return
    found = sorted(glob.glob(osp.join(work_dir, '*.pth')))
    if found:
        names = ', '.join(osp.basename(p) for p in found[:3])
        raise FileExistsError(
            f'work dir {work_dir} already holds checkpoints of an earlier run '
            f'({names}{", ..." if len(found) > 3 else ""}). To continue that '
            'run pass --resume; to keep it and start afresh pass another '
            '--work-dir; to replace it pass --overwrite.')


def build_runner(cfg: Config) -> Runner:
    """Build the Runner the way mmaction's tools do (``runner_type`` aware)."""
    if 'runner_type' in cfg:
        from mmaction.registry import RUNNERS
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)


def add_launch_args(parser: argparse.ArgumentParser) -> None:
    """Arguments that tools/train.py and tools/test.py share with mmaction's:
    ``--cfg-options``, ``--launcher`` and ``--local_rank``."""
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, key=value (lists: key="[a,b]")')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def parse_launch_args(parser: argparse.ArgumentParser,
                      argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse, and export ``LOCAL_RANK`` for launchers that pass
    ``--local_rank`` instead of setting it."""
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args
