"""Pick the synthetic twins of a recorded set's actions by their 1-NN
confusion (issue 18, item 4; ``benchmarks/effect/twins.py`` says how).

Reads the recorded set's long-tailed pickle (training counts per label, its
1-NN confusion), generates every one-person synthetic class at those counts
with the generator arguments of ``lt_effect.py --dataset synthetic_utk``,
searches on ``--seeds`` and checks the result on ``--check-seeds`` (other
generator draws, not searched on). Prints per label the recorded 1-NN
accuracy, the named twin's and the picked twin's, the distances, and the
``UTKINECT_SYNTHETIC_TWINS`` tuple of the picked twins. Trains nothing.

Usage::

    python benchmarks/lt_pick_twins.py \\
        work_dirs/lt_effect_utkinect/data/utkinect_lt_if10.pkl \\
        --seeds 0 2 3 4 --check-seeds 1

The defaults: the benchmark's own draw (``UTKINECT_GENERATOR['seed']``) is
the check, generator seeds 0-4 without it are searched on.
"""
import argparse
import os.path as osp
import pickle
import sys
from typing import List, Optional

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # brl_mm
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))  # effect/

from effect.data_stats import (confusion_matrix, nearest_labels,  # noqa: E402
                               split_annotations, take_features)
from effect.experiments import (DATA_SIZES,  # noqa: E402
                                UTKINECT_GENERATOR, UTKINECT_NAMED_TWINS,
                                UTKINECT_TWIN_CANDIDATES)
from effect.twins import (assignment_confusion, build_pool,  # noqa: E402
                          confusion_distance, pick_twins)


def reference_confusion(data: dict) -> np.ndarray:
    """The 1-NN confusion matrix of a pickle's xsub_val against its
    xsub_train (row-normalised)."""
    train = split_annotations(data, 'xsub_train')
    test = split_annotations(data, 'xsub_val')
    num = len(data['classes'])
    pred = nearest_labels(np.stack([take_features(a) for a in train]),
                          np.array([a['label'] for a in train]),
                          np.stack([take_features(a) for a in test]))
    return confusion_matrix(np.array([a['label'] for a in test]), pred, num)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('reference', help='the recorded set\'s long-tailed '
                        'pickle (xsub_train / xsub_val), e.g. written by '
                        'lt_effect.py --dataset utkinect')
    draw = UTKINECT_GENERATOR['seed']
    parser.add_argument('--seeds', type=int, nargs='+',
                        default=[s for s in range(5) if s != draw],
                        help='generator seeds searched on (default: 0-4 '
                        'without the benchmark\'s draw)')
    parser.add_argument('--check-seeds', type=int, nargs='*', default=[draw],
                        help=f'generator seeds only reported (default {draw}, '
                        'the benchmark\'s draw)')
    parser.add_argument('--any-class', action='store_true',
                        help='let every label take any one-person class '
                        '(default: UTKINECT_TWIN_CANDIDATES, plausible '
                        'stand-ins per action)')
    parser.add_argument('--max-rounds', type=int, default=50)
    args = parser.parse_args(argv)
    if not osp.isfile(args.reference):
        print(f'lt_pick_twins: no such pickle: {args.reference}',
              file=sys.stderr)
        return 2
    with open(args.reference, 'rb') as f:
        data = pickle.load(f)
    actions = list(data['classes'])
    named = dict(UTKINECT_NAMED_TWINS)
    if [a for a, _ in UTKINECT_NAMED_TWINS] != actions:
        print(f'lt_pick_twins: {args.reference} has the classes {actions}; '
              'UTKINECT_NAMED_TWINS names '
              f'{[a for a, _ in UTKINECT_NAMED_TWINS]}', file=sys.stderr)
        return 2
    by_id = {a['frame_dir']: a for a in data['annotations']}
    counts = np.bincount([by_id[i]['label']
                          for i in data['split']['xsub_train']],
                         minlength=len(actions))
    reference = reference_confusion(data)
    gen = {k: v for k, v in DATA_SIZES['synthetic_utk'].items()
           if k != 'classes'}
    candidates = None if args.any_class else list(dict.fromkeys(
        c for a in actions for c in UTKINECT_TWIN_CANDIDATES[a]))
    pool = build_pool(counts, args.seeds, candidates, **gen)
    check = build_pool(counts, args.check_seeds, pool.names, **gen) \
        if args.check_seeds else None
    start = [pool.index(named[a]) for a in actions]
    allowed = None if args.any_class else [
        [pool.index(c) for c in UTKINECT_TWIN_CANDIDATES[a]]
        for a in actions]
    picked, history = pick_twins(pool, reference, counts, start, allowed,
                                 max_rounds=args.max_rounds)

    def diag(assignment):
        """1-NN accuracy per label on the search seeds (and the checks)."""
        values = [np.diag(assignment_confusion(pool, assignment, counts))]
        if check is not None:
            values.append(np.diag(assignment_confusion(check, assignment,
                                                       counts)))
        return [' / '.join(f'{100 * v[i]:.0f}' for v in values)
                for i in range(len(assignment))]

    where = f'seeds {args.seeds}' + (
        f' / check seeds {args.check_seeds}' if check is not None else '')
    print(f'1-NN accuracy per label (generated: {where})\n')
    print('| label | train takes | recorded 1-NN | named twin | its 1-NN '
          '| picked twin | its 1-NN |')
    print('|---|---:|---:|---|---:|---|---:|')
    d_named, d_picked = diag(start), diag(picked)
    for i, action in enumerate(actions):
        print(f'| {i} {action} | {counts[i]} | {100 * reference[i, i]:.0f} '
              f'| {named[action]} | {d_named[i]} '
              f'| {pool.names[picked[i]]} | {d_picked[i]} |')
    print(f'\nconfusion distance to the recorded set on seeds {args.seeds}: '
          f'named {history[0]:.3f}, picked {history[-1]:.3f} '
          f'({len(history) - 1} changes)')
    if check is not None:
        values = [confusion_distance(assignment_confusion(check, a, counts),
                                     reference) for a in (start, picked)]
        print(f'on check seeds {args.check_seeds}: named {values[0]:.3f}, '
              f'picked {values[1]:.3f}')
    print('\nUTKINECT_SYNTHETIC_TWINS = (')
    for action, c in zip(actions, picked):
        print(f'    ({action!r}, {pool.names[c]!r}),')
    print(')')
    return 0


if __name__ == '__main__':
    sys.exit(main())
