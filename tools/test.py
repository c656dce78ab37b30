"""Test (and evaluate) a trained skeleton action recognizer.

Same arguments as mmaction2's ``tools/test.py``; brl_mm is imported first.
``--dump preds.pkl`` writes per-sample predictions (``pred_score``, ``gt_label``
and ``frame_dir``) for offline evaluation and multi-stream fusion::

    python tools/test.py configs/brl/synthetic_lt.py work_dirs/x/best.pth --dump x.pkl

The checkpoint must fit the config's model: a checkpoint of another layout,
stream, class count or backbone stops with the mismatched keys and the likely
cause (``--allow-partial-load`` loads the weights that fit). A user error ends
the output with ``error: ...`` and exit code 2.
"""
import argparse
import sys

import brl_mm  # noqa: F401  (compat shims + registration, before mmaction)
from brl_mm.engine.launch import (add_launch_args, build_runner,
                                  check_cfg_options, check_checkpoint_file,
                                  configure_distributed, default_work_dir,
                                  parse_launch_args, run_cli,
                                  shutdown_distributed)
from brl_mm.utils import load_config
from mmengine.config import Config


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Test an action recognizer (brl-mm / MMAction2)')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir', help='where the evaluation metrics are written')
    parser.add_argument(
        '--dump', type=str,
        help='dump predictions to this pickle file for offline evaluation')
    parser.add_argument(
        '--show-dir', help='directory where visualizations are saved')
    parser.add_argument(
        '--show', action='store_true', help='display predictions in a window')
    parser.add_argument(
        '--interval', type=int, default=1, help='visualize every N samples')
    parser.add_argument(
        '--wait-time', type=float, default=2,
        help='display time of every window (s)')
    parser.add_argument(
        '--allow-partial-load', action='store_true',
        help='test even when the checkpoint fits the model only in part '
        '(mismatched weights keep their initialisation; a warning lists them)')
    add_launch_args(parser)
    return parse_launch_args(parser, argv)


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply the command line to the config.

    Raises:
        ConfigOptionError: A ``--cfg-options`` key that looks like a typo.
    """
    for note in check_cfg_options(cfg, args.cfg_options):
        print(f'note: {note}', file=sys.stderr)
    if args.show or args.show_dir is not None:
        if 'visualization' not in cfg.default_hooks:
            raise ValueError(
                '--show/--show-dir need default_hooks.visualization = '
                'dict(type="VisualizationHook") in the config')
        vis = cfg.default_hooks.visualization
        vis.update(enable=True, show=args.show, wait_time=args.wait_time,
                   out_dir=args.show_dir, interval=args.interval)
    if args.dump is not None:
        if not args.dump.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--dump must name a .pkl file, got {args.dump}')
        evaluators = cfg.test_evaluator
        evaluators = list(evaluators) if isinstance(
            evaluators, (list, tuple)) else [evaluators]
        evaluators.append(dict(type='DumpResults', out_file_path=args.dump))
        cfg.test_evaluator = evaluators
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or default_work_dir(
        args.config)
    cfg.load_from = args.checkpoint
    # before mmengine's non-strict load: stop (or warn) on weights that
    # do not fit the model
    cfg.custom_hooks = list(cfg.get('custom_hooks') or []) + [
        dict(type='CheckpointFitHook', strict=not args.allow_partial_load)
    ]
    configure_distributed(cfg)
    return cfg


def main(argv=None) -> None:
    args = parse_args(argv)
    cfg = load_config(args.config)
    check_checkpoint_file(args.checkpoint, 'CHECKPOINT')
    build_runner(merge_args(cfg, args)).test()
    shutdown_distributed()


if __name__ == '__main__':
    sys.exit(run_cli(main))
