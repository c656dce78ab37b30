"""Fuse several streams' class probabilities; report long-tail accuracy.

    python tools/ensemble.py j.pkl b.pkl k.pkl jm.pkl bm.pkl km.pkl \\
        --preset 6s --config configs/brl/ntu60_xsub_lt.py --plot 6s.png

Each input is a ``tools/test.py --dump`` file of one stream; samples are
matched by ``frame_dir`` (the test pipeline must keep it:
``PackActionInputs(meta_keys=('frame_dir', ))``). The fusion is the weighted
mean of the streams' probabilities, with ``--weights`` or a BRL preset
(dumps in the preset's order): ``2s`` J:B 1:1, ``4s`` J:B:JM:BM 2:2:1:1,
``6s`` J:B:K:JM:BM:KM 2:2:2:1:1:1, ``k400`` J:B:JM:BM 3:3:1:1. The table
gives top-1, top-5, mean class and many / medium / few accuracy of every
stream and of the fusion; the training class counts (for the shot groups and
the plot) come from the config's training set (``--config``) or
``--train-counts 600,554,...``, as in ``tools/lt_report.py``.
"""
import argparse
import os.path as osp
import pickle
import sys
from typing import Dict, List, Optional

import numpy as np
import torch

import brl_mm  # noqa: F401  (compat shims before any mmaction.models import)
from brl_mm.evaluation import (ENSEMBLE_PRESETS, ensemble_weights,
                               format_lt_table, fuse_scores, load_streams,
                               long_tail_accuracy, plot_per_class_accuracy)

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))  # tools/: lt_report
from lt_report import (parse_counts, read_dump,  # noqa: E402
                       train_counts_from_config)

from brl_mm.engine.launch import run_cli  # noqa: E402

COLUMNS = ('top1', 'top5', 'mean_class', 'many', 'medium', 'few')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Command line of the ensemble tool."""
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='\n'.join(__doc__.split('\n')[1:]))
    parser.add_argument(
        'dumps', nargs='+', help='tools/test.py --dump files, one per stream')
    how = parser.add_mutually_exclusive_group()
    how.add_argument(
        '--preset',
        choices=list(ENSEMBLE_PRESETS),
        help='BRL weights; give the dumps in the preset\'s stream order')
    how.add_argument(
        '--weights', nargs='+', type=float, help='one weight per dump')
    parser.add_argument(
        '--names', nargs='+', help='stream names (default: the preset\'s '
        'stream names, else the file names)')
    parser.add_argument(
        '--config', help='config whose training set gives the class counts')
    parser.add_argument(
        '--train-counts', help='comma-separated training class counts')
    parser.add_argument('--many-thr', type=int, default=100)
    parser.add_argument('--few-thr', type=int, default=20)
    parser.add_argument(
        '--softmax',
        action='store_true',
        help='the dumps hold logits (average_clips=\'score\'): apply a '
        'softmax before fusing')
    parser.add_argument(
        '--plot', help='write per-class accuracy vs. training count to this '
        'PNG (needs --config or --train-counts)')
    parser.add_argument(
        '--out', help='write the fused predictions as a dump (same format '
        'as tools/test.py --dump)')
    args = parser.parse_args(argv)
    if args.plot and not (args.config or args.train_counts):
        parser.error('--plot needs training class counts: give --config or '
                     '--train-counts')
    if args.names and len(args.names) != len(args.dumps):
        parser.error(f'--names needs one name per dump ({len(args.dumps)})')
    return args


def write_dump(path: str, scores: np.ndarray, labels: np.ndarray,
               ids: List[str]) -> None:
    """Write fused scores in the format of ``tools/test.py --dump``."""
    samples = [
        dict(
            pred_score=torch.from_numpy(s.astype(np.float32)),
            pred_label=torch.tensor([int(s.argmax())]),
            gt_label=torch.tensor([int(lab)]),
            frame_dir=fid,
            num_classes=int(scores.shape[1]))
        for s, lab, fid in zip(scores, labels, ids)
    ]
    with open(path, 'wb') as f:
        pickle.dump(samples, f)


def main(argv: Optional[List[str]] = None) -> Dict[str, object]:
    """Run the tool; returns the results for programmatic use.

    Args:
        argv (list[str], optional): Command line arguments (default:
            ``sys.argv[1:]``).

    Raises:
        ValueError: For dumps that do not match (other samples, classes or
            labels, no frame_dir), scores that are not probabilities, or
            weights that do not fit.

    Returns:
        dict: ``table`` (str), ``results`` (row name ->
        ``long_tail_accuracy`` result), ``names``, ``weights``, ``fused``
        (N, K) probabilities, ``labels`` and ``ids``.
    """
    args = parse_args(argv)
    weights, preset_names = ensemble_weights(
        len(args.dumps), args.weights, args.preset)
    names = args.names or preset_names or [
        osp.splitext(osp.basename(p))[0] for p in args.dumps
    ]
    counts = None
    if args.train_counts:
        counts = parse_counts(args.train_counts)
    elif args.config:
        counts = train_counts_from_config(args.config)

    for path in args.dumps:  # a clear error for a file that is no dump
        read_dump(path)
    scores, labels, ids = load_streams(args.dumps, args.softmax)
    fused = fuse_scores(scores, weights)
    ratio = ':'.join(f'{w:g}' for w in weights)
    fusion_name = f'fusion {args.preset or ratio}'
    if args.preset:
        fusion_name += f' ({ratio})'

    rows = {}
    for name, stream in zip(names, scores):
        rows[name] = long_tail_accuracy(stream, labels, counts,
                                        args.many_thr, args.few_thr)
    rows[fusion_name] = long_tail_accuracy(fused, labels, counts,
                                           args.many_thr, args.few_thr)
    table = format_lt_table(rows, COLUMNS)
    for name, weight, path in zip(names, weights, args.dumps):
        print(f'{name}: weight {weight:g}, {path}')
    print(f'{len(labels)} test samples, {fused.shape[1]} classes\n')
    print(table)
    if counts is not None:
        groups = rows[fusion_name]['groups']
        print(f'(accuracy in %; shot groups by training count: many > '
              f'{args.many_thr}: {len(groups["many"])} classes, medium: '
              f'{len(groups["medium"])}, few < {args.few_thr}: '
              f'{len(groups["few"])}; mean_class averages all classes '
              'with test samples)')
    else:
        print('(accuracy in %; many / medium / few need --config or '
              '--train-counts)')
    if args.plot:
        plot_per_class_accuracy(
            {name: r['per_class']
             for name, r in rows.items()},
            counts,
            args.plot,
            many_thr=args.many_thr,
            few_thr=args.few_thr,
            title=f'Per-class accuracy, {fusion_name}',
            emphasize=fusion_name)
        print(f'plot written to {args.plot}')
    if args.out:
        write_dump(args.out, fused, labels, ids)
        print(f'fused predictions written to {args.out}')
    return dict(
        table=table,
        results=rows,
        names=names,
        weights=weights,
        fused=fused,
        labels=labels,
        ids=ids)


if __name__ == '__main__':
    sys.exit(run_cli(main))  # bad or mismatched dumps: error, exit 2
