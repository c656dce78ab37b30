"""Recorded vs generated skeletons side by side (issue 18, item 4): take
length, body size spread, bone rigidity, jitter, facing spread and the 1-NN
accuracy of the test takes against the long-tailed training takes
(``benchmarks/effect/data_stats.py`` says what each one is).

Usage::

    # UTKinect's long-tailed subset (written by lt_effect.py --dataset
    # utkinect) against the synthetic data at its shape, 3 generator seeds
    python benchmarks/lt_data_stats.py \\
        work_dirs/lt_effect_utkinect/data/utkinect_lt_if10.pkl \\
        --synthetic-utk-seeds 0 1 2
"""
import argparse
import os.path as osp
import pickle
import sys
from typing import Dict, List, Optional, Sequence

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # brl_mm
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))  # effect/

from effect.data_stats import dataset_stats  # noqa: E402

COLUMNS = (('takes', 'train takes', '{:.0f}'),
           ('frames', 'frames q25 / median / q75', None),
           ('body_size_cv', 'body size CV', '{:.3f}'),
           ('bone_cv_within_take', 'bone CV in a take', '{:.3f}'),
           ('jitter_per_body', 'jitter / body', '{:.4f}'),
           ('facing_spread_deg', 'facing spread (deg)', '{:.0f}'),
           ('nn_top1', '1-NN top-1', '{:.1%}'),
           ('nn_tail', '1-NN rarest 25%', '{:.1%}'))


def row(name: str, stats: Dict) -> str:
    """One Markdown row of :data:`COLUMNS` (training split's motion)."""
    train = stats['train']
    cells = []
    for key, _, fmt in COLUMNS:
        if key == 'frames':
            cells.append(f'{train["frames_q25"]:.0f} / '
                         f'{train["frames_median"]:.0f} / '
                         f'{train["frames_q75"]:.0f}')
        elif key.startswith('nn_'):
            cells.append(fmt.format(stats['nn'][key[3:]]).replace('%', ''))
        else:
            cells.append(fmt.format(train[key]))
    return f'| {name} | ' + ' | '.join(cells) + ' |'


def table(named: Sequence) -> str:
    """The Markdown table of ``(name, dataset_stats)`` pairs."""
    head = '| data | ' + ' | '.join(c[1] for c in COLUMNS) + ' |'
    rule = '|---|' + '---:|' * len(COLUMNS)
    return '\n'.join([head, rule] + [row(n, s) for n, s in named]) + '\n'


def _class_names(data: Dict) -> List[str]:
    """The dataset's class names (``classes``), else its labels."""
    num = 1 + max(a['label'] for a in data['annotations'])
    names = list(data.get('classes') or [])
    return names + [str(i) for i in range(len(names), num)]


def per_class_table(named: Sequence, classes: Sequence[str]) -> str:
    """Markdown table of the 1-NN accuracy per label: one row per label
    (``classes`` names it), one column per dataset, each cell the accuracy
    and, in brackets, that label's training takes there."""
    head = '| label | ' + ' | '.join(n for n, _ in named) + ' |'
    rule = '|---|' + '---:|' * len(named)
    rows = []
    for label, name in enumerate(classes):
        cells = []
        for _, stats in named:
            nn = stats['nn']
            if label >= len(nn['per_class']):
                cells.append('-')
                continue
            acc = nn['per_class'][label]
            value = 'no test takes' if np.isnan(acc) else f'{100 * acc:.0f}'
            cells.append(f'{value} ({nn["train_counts"][label]})')
        rows.append(f'| {label} {name} | ' + ' | '.join(cells) + ' |')
    return '\n'.join([head, rule] + rows) + '\n'


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('pickles', nargs='*',
                        help='skeleton pickles with xsub_train / xsub_val')
    parser.add_argument('--synthetic-utk-seeds', type=int, nargs='*',
                        default=[], metavar='SEED',
                        help='also generate the synthetic data at '
                        'UTKinect\'s shape (lt_effect.py --dataset '
                        'synthetic_utk) with these generator seeds')
    parser.add_argument('--per-class', action='store_true',
                        help='also print the 1-NN accuracy of every label '
                        '(with its training takes) on every dataset, the '
                        'labels named by the first dataset')
    args = parser.parse_args(argv)
    if not args.pickles and not args.synthetic_utk_seeds:
        parser.error('give a pickle or --synthetic-utk-seeds')
    named, classes = [], []
    for path in args.pickles:
        if not osp.isfile(path):
            print(f'lt_data_stats: no such pickle: {path}', file=sys.stderr)
            return 2
        with open(path, 'rb') as f:
            data = pickle.load(f)
        try:
            named.append((osp.basename(path), dataset_stats(data)))
            classes.append(_class_names(data))
        except KeyError as err:
            print(f'lt_data_stats: {path} lacks {err} (it needs splits '
                  'xsub_train and xsub_val)', file=sys.stderr)
            return 2
    if args.synthetic_utk_seeds:
        from brl_mm.datasets.synthetic import generate_synthetic_lt
        from effect.experiments import data_arguments
        for seed in args.synthetic_utk_seeds:
            data = generate_synthetic_lt(**dict(
                data_arguments('synthetic_utk', 10), seed=seed))
            named.append((f'synthetic_utk, generator seed {seed}',
                          dataset_stats(data)))
            classes.append(_class_names(data))
    print(table(named), end='')
    if args.per_class:
        print()
        print(per_class_table(named, classes[0]), end='')
    return 0


if __name__ == '__main__':
    sys.exit(main())
