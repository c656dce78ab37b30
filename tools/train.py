"""Train a skeleton action recognizer with brl_mm's components.

Same arguments as mmaction2's ``tools/train.py`` plus ``--overwrite``. brl_mm is
imported first, so its compatibility shims are in place before mmaction's
models load. Examples::

    python tools/train.py configs/brl/synthetic_lt.py
    tools/dist_train.sh configs/brl/ntu60_xsub_lt.py 8
"""
import argparse
import os

import brl_mm  # noqa: F401  (compat shims + registration, before mmaction)
from brl_mm.engine.launch import (add_launch_args, build_runner,
                                  check_work_dir, configure_distributed,
                                  default_work_dir, parse_launch_args)
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
        help='allow a new run to replace checkpoints in the work dir')
    add_launch_args(parser)
    return parse_launch_args(parser, argv)


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply the command line to the config."""
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
    return cfg


def main(argv=None) -> None:
    args = parse_args(argv)
    # no yapf re-formatting of the config text each time the Runner
    # logs or dumps it (seconds per time; compat shim config_format_flag)
    cfg = merge_args(
        Config.fromfile(args.config, format_python_code=False), args)
    if int(os.environ.get('RANK', '0')) == 0:
        check_work_dir(cfg.work_dir, cfg.get('resume'), args.overwrite)
    build_runner(cfg).train()


if __name__ == '__main__':
    main()
