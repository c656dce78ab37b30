"""Train a skeleton action recognizer with brl_mm's components.

Same arguments as mmaction2's ``tools/train.py`` plus ``--overwrite``. brl_mm is
imported first, so its compatibility shims are in place before mmaction's
models load. The run holds a lock on its work dir (a second run into it stops
at once); ``--resume`` without a value resumes from the newest readable
checkpoint; a user error ends the output with ``error: ...`` and exit code 2.
Examples::

    python tools/train.py configs/brl/synthetic_lt.py
    tools/dist_train.sh configs/brl/ntu60_xsub_lt.py 8
"""
import argparse
import logging
import sys
from typing import List

import brl_mm  # noqa: F401  (compat shims + registration, before mmaction)
from brl_mm.engine.hooks import find_resumable_checkpoint
from brl_mm.engine.launch import (add_launch_args, build_runner,
                                  check_cfg_options, check_checkpoint_file,
                                  check_work_dir, configure_distributed,
                                  default_work_dir, launcher_rank,
                                  log_to_file_only,
                                  parse_launch_args, run_cli,
                                  shutdown_distributed)
from brl_mm.engine.work_dir import WorkDirLock, move_earlier_run_aside
from brl_mm.utils import load_config
from mmengine.config import Config


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Train an action recognizer (brl-mm / MMAction2)')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='where logs and checkpoints go')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from this checkpoint, or (no value) from the latest '
        'checkpoint in the work dir')
    parser.add_argument(
        '--amp', action='store_true',
        help='automatic mixed precision (AmpOptimWrapper)')
    parser.add_argument(
        '--no-validate', action='store_true',
        help='do not evaluate checkpoints during training')
    parser.add_argument(
        '--auto-scale-lr', action='store_true',
        help='scale the lr linearly with the actual total batch size')
    parser.add_argument('--seed', type=int, default=None, help='random seed')
    parser.add_argument(
        '--diff-rank-seed', action='store_true',
        help='a different seed on each rank')
    parser.add_argument(
        '--deterministic', action='store_true',
        help='deterministic algorithms (cuDNN and torch)')
    parser.add_argument(
        '--overwrite', action='store_true',
        help='start a new run in a work dir that holds an earlier one: the '
        'earlier run\'s files are moved to <work-dir>.replaced-<time>')
    add_launch_args(parser)
    return parse_launch_args(parser, argv)


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply the command line to the config.

    Raises:
        ConfigOptionError: A ``--cfg-options`` key that looks like a typo.
    """
    notes = check_cfg_options(cfg, args.cfg_options)
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.launcher = args.launcher
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or default_work_dir(
        args.config)
    if args.amp:
        wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if wrapper not in ('OptimWrapper', 'AmpOptimWrapper'):
            raise ValueError(f'--amp does not support the optimizer wrapper '
                             f'{wrapper!r} of this config')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    randomness = dict(cfg.get('randomness') or {})
    randomness.setdefault('seed', None)
    if args.seed is not None:
        randomness['seed'] = args.seed
    if args.diff_rank_seed:
        randomness['diff_rank_seed'] = True
    if args.deterministic:
        randomness['deterministic'] = True
    cfg.randomness = randomness
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    configure_distributed(cfg)
    for note in notes:
        print(f'note: {note}', file=sys.stderr)
    return cfg


def resolve_auto_resume(cfg: Config) -> List[str]:
    """``--resume`` without a value: the newest readable checkpoint.

    mmengine would resume from the file ``last_checkpoint`` names, even a
    truncated one. Sets ``cfg.load_from`` to the newest checkpoint of the
    work dir whose framing is intact (None when there is none: a fresh
    start, as in mmengine).

    Raises:
        ValueError: The work dir has checkpoints, none of them readable.

    Returns:
        list[str]: What to log: each skipped file and why, and the choice.
    """
    found, skipped = find_resumable_checkpoint(cfg.work_dir)
    notes = [f'--resume: skipped {path}: it is {why}'
             for path, why in skipped]
    if found is None and skipped:
        raise ValueError(
            f'--resume: no readable checkpoint in {cfg.work_dir}\n' +
            '\n'.join(notes) + '\nName one with --resume FILE, or start '
            'afresh with --overwrite (the earlier files are moved aside).')
    if found is not None:
        cfg.load_from = found
        notes.append(f'--resume: resuming from {found}'
                     + (', the newest readable checkpoint' if skipped else ''))
    return notes


def main(argv=None) -> None:
    args = parse_args(argv)
    cfg = merge_args(load_config(args.config), args)
    resume = cfg.get('resume')
    if args.resume != 'auto':  # a file the user named: before anything
        check_checkpoint_file(cfg.get('load_from'),
                              '--resume' if args.resume else 'load_from')
    lock = None
    if launcher_rank(args.launcher) == 0:  # one lock per run
        lock = WorkDirLock(cfg.work_dir).acquire()
    try:
        notes = []
        if lock is not None:
            if lock.stale_note:
                notes.append(f'work dir {cfg.work_dir}: {lock.stale_note}')
            if args.overwrite and not resume:
                moved = move_earlier_run_aside(cfg.work_dir)
                if moved:
                    notes.append(
                        f'--overwrite: moved the earlier run\'s files from '
                        f'{cfg.work_dir} to {moved} (delete that folder '
                        'when you no longer need it)')
            check_work_dir(cfg.work_dir, resume, args.overwrite)
        if args.resume == 'auto':
            notes += resolve_auto_resume(cfg)
        for note in notes:  # at once: the run may still fail to build
            print(f'brl_mm: {note}', file=sys.stderr, flush=True)
        runner = build_runner(cfg)
        for note in notes:
            log_to_file_only(runner.logger, logging.WARNING, note)
        runner.train()
        del runner  # the DDP wrapper holds the process group
        shutdown_distributed()
    finally:
        if lock is not None:
            lock.release()


if __name__ == '__main__':
    sys.exit(run_cli(main))
