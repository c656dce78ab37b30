"""Test (and evaluate) a trained skeleton action recognizer.

Same arguments as mmaction2's ``tools/test.py``; brl_mm is imported first.
``--dump preds.pkl`` writes per-sample predictions (``pred_score``, ``gt_label``
and ``frame_dir``) for offline evaluation and multi-stream fusion::

    python tools/test.py configs/brl/synthetic_lt.py work_dirs/x/best.pth --dump x.pkl
"""
import argparse

import brl_mm  # noqa: F401  (compat shims + registration, before mmaction)
from brl_mm.engine.launch import (add_launch_args, build_runner,
                                  configure_distributed, default_work_dir,
                                  parse_launch_args)
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
    add_launch_args(parser)
    return parse_launch_args(parser, argv)


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply the command line to the config."""
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
    configure_distributed(cfg)
    return cfg


def main(argv=None) -> None:
    args = parse_args(argv)
    # no yapf re-formatting of the config text each time the Runner
    # logs or dumps it (seconds per time; compat shim config_format_flag)
    cfg = merge_args(
        Config.fromfile(args.config, format_python_code=False), args)
    build_runner(cfg).test()


if __name__ == '__main__':
    main()
