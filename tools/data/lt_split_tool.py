"""Build long-tailed split lists and print class counts of a skeleton pickle.

    # NTU60 X-Sub, IF=100, n_max=600 -> one frame_dir per line
    python tools/data/lt_split_tool.py build data/skeleton/ntu60_3d.pkl \\
        --split xsub_train --imbalance-factor 100 --n-max 600 \\
        --out data/lt_splits/NTU60_xsub_exp_100.txt

    # class counts of a pickle split restricted to a split list
    python tools/data/lt_split_tool.py counts data/skeleton/ntu60_3d.pkl \\
        --split xsub_train --split-list data/lt_splits/NTU60_xsub_exp_100.txt

Class ``c`` keeps ``int(n_max * IF ** (-c / (C - 1)))`` samples
(:func:`brl_mm.datasets.long_tail.lt_class_counts`), drawn with a seeded
generator (:func:`brl_mm.datasets.long_tail.select_lt_subset`).
"""
import argparse
import pickle
import sys
from typing import List, Optional

import numpy as np

from brl_mm.datasets.long_tail import (counts_from_labels, lt_class_counts,
                                       select_lt_subset)
from brl_mm.utils import dump_atomically, refuse_to_overwrite


def load_samples(path: str, split: Optional[str]) -> List[dict]:
    """Annotations of ``path`` (in the order of ``split`` if given)."""
    with open(path, 'rb') as f:
        data = pickle.load(f)
    annotations = data['annotations']
    if split is None:
        return annotations
    if split not in data.get('split', {}):
        raise KeyError(f'split {split!r} not in {path}; it has '
                       f"{sorted(data.get('split', {}))}")
    by_name = {a['frame_dir']: a for a in annotations}
    return [by_name[n] for n in data['split'][split] if n in by_name]


def build(args) -> int:
    if refuse_to_overwrite(args.out, args.force):
        return 2
    samples = load_samples(args.pickle, args.split)
    labels = np.array([a['label'] for a in samples], dtype=np.int64)
    num_classes = args.num_classes or int(labels.max()) + 1
    counts = lt_class_counts(num_classes, args.n_max, args.imbalance_factor)
    keep = select_lt_subset(labels, counts, seed=args.seed)
    dump_atomically(''.join(samples[i]['frame_dir'] + '\n' for i in keep),
                    args.out)
    print(f'wrote {len(keep)} of {len(samples)} samples to {args.out} '
          f'(n_max {counts[0]}, n_min {counts[-1]}, {num_classes} classes)')
    return 0


def counts(args) -> int:
    samples = load_samples(args.pickle, args.split)
    if args.split_list:
        with open(args.split_list) as f:
            wanted = {line.strip() for line in f if line.strip()}
        samples = [a for a in samples if a['frame_dir'] in wanted]
    labels = [a['label'] for a in samples]
    num_classes = args.num_classes or (max(labels) + 1 if labels else 0)
    per_class = counts_from_labels(labels, num_classes)
    print(f'{len(samples)} samples, {num_classes} classes')
    for label, count in enumerate(per_class):
        print(f'{label}\t{count}')
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = parser.add_subparsers(dest='command', required=True)
    p_build = sub.add_parser('build', help='write a long-tailed split list')
    p_build.add_argument('pickle')
    p_build.add_argument('--split', required=True,
                         help='balanced source split, e.g. xsub_train')
    p_build.add_argument('--imbalance-factor', type=float, required=True)
    p_build.add_argument('--n-max', type=int, required=True)
    p_build.add_argument('--num-classes', type=int,
                         help='default: largest label + 1')
    p_build.add_argument('--seed', type=int, default=0)
    p_build.add_argument('--out', required=True)
    p_build.add_argument('--force', action='store_true')
    p_build.set_defaults(func=build)
    p_counts = sub.add_parser('counts', help='print per-class counts')
    p_counts.add_argument('pickle')
    p_counts.add_argument('--split')
    p_counts.add_argument('--split-list')
    p_counts.add_argument('--num-classes', type=int)
    p_counts.set_defaults(func=counts)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == '__main__':
    sys.exit(main())
