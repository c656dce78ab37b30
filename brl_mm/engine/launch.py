"""What ``tools/train.py`` and ``tools/test.py`` share: work dirs, the
distributed backend, building mmengine's Runner, checking the command line
against the config and ending a failed run with one clear line."""
import argparse
import difflib
import glob
import logging
import os
import os.path as osp
import sys
import traceback
from typing import Callable, List, Optional

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


def launcher_rank(launcher: Optional[str]) -> int:
    """This process's global rank before the process group exists.

    ``torchrun`` sets ``RANK``; under ``--launcher slurm`` / ``mpi`` mmengine
    sets it only while building the Runner, so the launchers' own variables
    are read (``SLURM_PROCID``, ``OMPI_COMM_WORLD_RANK`` / ``PMI_RANK``).

    Args:
        launcher (str, optional): ``--launcher``.

    Returns:
        int: The rank (0 for a single process).
    """
    names = ['RANK']
    if launcher == 'slurm':
        names.append('SLURM_PROCID')
    elif launcher == 'mpi':
        names += ['OMPI_COMM_WORLD_RANK', 'PMI_RANK']
    for name in names:
        if os.environ.get(name, '').isdigit():
            return int(os.environ[name])
    return 0


def check_checkpoint_file(path: Optional[str], what: str) -> None:
    """Stop before anything is built when a local checkpoint the user named
    is missing or is not a torch checkpoint (nothing is unpickled).

    Args:
        path (str, optional): The checkpoint; None and URLs are not checked.
        what (str): How the user named it, for the message (``'--resume'``,
            ``'load_from'``, ``'CHECKPOINT'``).

    Raises:
        FileNotFoundError: No such file.
        UnreadableCheckpointError: Empty, truncated, damaged or foreign.
    """
    from ..compat import UnreadableCheckpointError, describe_checkpoint_file
    if not path or '://' in str(path):
        return
    if not osp.isfile(path):
        raise FileNotFoundError(f'{what}: checkpoint {path} not found '
                                f'(looked in {osp.abspath(path)})')
    problem = describe_checkpoint_file(path)
    if problem is not None:
        raise UnreadableCheckpointError(
            f'{what}: checkpoint {path} cannot be loaded: it is {problem}')


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
            '--work-dir; to replace it pass --overwrite (its files are then '
            f'moved to {work_dir.rstrip(os.sep)}.replaced-<time>).')


def _drop_config_record(record: logging.LogRecord) -> bool:
    """Console filter: the Runner's ``Config:`` dump stays in the log file."""
    return not (isinstance(record.msg, str)
                and record.msg.startswith('Config:\n'))


def _config_in_log_file_only(runner_cls: type) -> type:
    """``runner_cls`` whose console handler leaves out the config dump
    (hundreds of lines); the log file keeps it."""

    class ConfigInLogFileRunner(runner_cls):

        def build_logger(self, *args, **kwargs):
            logger = super().build_logger(*args, **kwargs)
            for handler in logger.handlers:
                if type(handler) is logging.StreamHandler:  # the console
                    handler.addFilter(_drop_config_record)
            return logger

    ConfigInLogFileRunner.__name__ = runner_cls.__name__
    ConfigInLogFileRunner.__qualname__ = runner_cls.__qualname__
    return ConfigInLogFileRunner


def build_runner(cfg: Config, config_on_console: bool = False) -> Runner:
    """Build the Runner the way mmaction's tools do (``runner_type`` aware).

    Args:
        cfg (Config): The config.
        config_on_console (bool): Also print the config (mmengine's
            default). By default it goes to the log file only, so that the
            console shows what matters.

    Returns:
        Runner: The runner.
    """
    runner_cls = Runner
    if 'runner_type' in cfg:
        from mmaction.registry import RUNNERS
        runner_cls = RUNNERS.get(cfg.runner_type)
        if runner_cls is None:
            raise KeyError(f'runner_type {cfg.runner_type!r} is not in the '
                           'mmaction::runner registry')
    if not config_on_console:
        runner_cls = _config_in_log_file_only(runner_cls)
    runner = runner_cls.from_cfg(cfg)
    log_files = [h.baseFilename for h in runner.logger.handlers
                 if isinstance(h, logging.FileHandler)]
    if log_files and not config_on_console:
        print(f'brl_mm: the config is in the log file {log_files[0]}',
              flush=True)
    return runner


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


class ConfigOptionError(ValueError):
    """A ``--cfg-options`` key that is most likely a typo."""


def shutdown_distributed() -> None:
    """End the process group of a distributed run once the Runner is done.

    mmengine leaves it to interpreter teardown, where gloo's threads can
    abort a rank ("terminate called without an active exception", exit code
    -6) after the run itself succeeded. The ranks first meet at a barrier,
    so none shuts its end of the group down while another still works in it
    (rank 0 writing the last checkpoint); objects the run left behind (the
    DDP wrapper holds the group) are collected while the interpreter is
    whole; then the group is destroyed. Call it after dropping the Runner.
    """
    import gc

    import torch.distributed as dist
    if not (dist.is_available() and dist.is_initialized()):
        return
    if dist.get_world_size() > 1:
        dist.barrier()
    gc.collect()
    dist.destroy_process_group()


def check_cfg_options(cfg: Config, options: Optional[dict]) -> List[str]:
    """Check ``--cfg-options`` keys against the config before merging.

    mmengine's ``merge_from_dict`` adds any key it is given, so a typo
    (``train_dataloader.batchsize=32``) would silently change nothing. A key
    whose first unknown part is close to an existing name is refused with
    the name it probably meant; a key that is new and close to nothing is
    allowed (a new argument) and reported.

    Args:
        cfg (Config): The config before merging.
        options (dict, optional): The parsed ``--cfg-options``.

    Raises:
        ConfigOptionError: For a probable typo.

    Returns:
        list[str]: One note per key that adds something new.
    """
    notes = []
    for key in options or {}:
        node, path = dict(cfg.items()), []
        for part in key.split('.'):
            if isinstance(node, (list, tuple)) and part.isdigit():
                if int(part) >= len(node):
                    raise ConfigOptionError(
                        f'--cfg-options {key}: {".".join(path)} has '
                        f'{len(node)} entries, no index {part}')
                node = node[int(part)]
            elif isinstance(node, dict):
                if part not in node:
                    where = '.'.join(path + [part])
                    near = difflib.get_close_matches(
                        part, [str(k) for k in node], n=1, cutoff=0.75)
                    if near:
                        raise ConfigOptionError(
                            f'--cfg-options {key}: the config has no '
                            f'{where} (did you mean '
                            f'{".".join(path + [near[0]])}?)')
                    notes.append(f'--cfg-options {key} adds {where}, which '
                                 'the config did not have')
                    break
                node = node[part]
            else:
                raise ConfigOptionError(
                    f'--cfg-options {key}: {".".join(path)} is '
                    f'{type(node).__name__} {node!r}, it has no {part}')
            path.append(part)
    return notes


def log_to_file_only(logger: logging.Logger, level: int,
                     message: str) -> Optional[str]:
    """Write a record to a logger's log files, not to its console.

    Args:
        logger (logging.Logger): E.g. the Runner's logger.
        level (int): The logging level.
        message (str): The text.

    Returns:
        str | None: The first log file's path, None when it has none.
    """
    files = [h for h in logger.handlers if isinstance(h, logging.FileHandler)]
    for handler in files:
        handler.emit(logger.makeRecord(logger.name, level, __file__, 0,
                                       message, None, None))
    return files[0].baseFilename if files else None


def _is_user_error(error: BaseException) -> bool:
    from .work_dir import WorkDirInUseError
    if isinstance(error, (ValueError, FileNotFoundError, FileExistsError,
                          FloatingPointError, SyntaxError,
                          WorkDirInUseError)):
        return True
    # mmengine's registry: a misspelt `type=` in the config
    return isinstance(error, KeyError) and 'registry' in str(error)


def run_cli(main: Callable[[Optional[List[str]]], object],
            argv: Optional[List[str]] = None) -> int:
    """Run a tool's ``main`` so that a user error ends the output clearly.

    For errors a user's input causes (a missing file, a bad checkpoint, a
    config typo, a locked work dir, a dataset validation error, ...) the
    traceback goes to the run's log file (when mmengine's logger has one)
    and the console ends with the message, its first line last as
    ``error: ...``. Set ``BRL_MM_TRACEBACK=1`` to see the traceback on the
    console too. Other exceptions (bugs) propagate with their traceback.

    Args:
        main (callable): The tool's ``main(argv)``.
        argv (list[str], optional): Its arguments.

    Returns:
        int: 0, or 2 after a user error (130 on Ctrl-C).
    """
    try:
        main(argv)
        return 0
    except KeyboardInterrupt:
        print('\nerror: interrupted (Ctrl-C)', file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 (re-raised unless a user's)
        if not _is_user_error(error):
            raise
        from mmengine.logging import MMLogger
        log_file = log_to_file_only(
            MMLogger.get_current_instance(), logging.ERROR,
            ''.join(traceback.format_exception(error)).rstrip())
        if os.environ.get('BRL_MM_TRACEBACK'):
            traceback.print_exception(error)
        message = str(error).strip().strip('"\'') or type(error).__name__
        summary, _, details = message.partition('\n')
        sys.stdout.flush()
        if details:
            print(details, file=sys.stderr)
        if log_file:
            print(f'(traceback in {log_file})', file=sys.stderr)
        print(f'error: {summary}', file=sys.stderr)
        return 2
