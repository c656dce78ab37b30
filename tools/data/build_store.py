"""Convert an mmaction skeleton pickle into a memory-mapped skeleton store.

A store (see :mod:`brl_mm.datasets.store`) holds the same samples, splits
and class names as the pickle, with all keypoints in one contiguous array
that every process of a node maps from the page cache; train on it with
``dict(type='LongTailPoseDataset', ann_file=None, store=DIR, ...)``.

Examples::

    python tools/data/build_store.py data/skeleton/ntu60_3danno.pkl \\
        data/skeleton/ntu60_3danno_store

    # half the disk and page cache (values rounded to float16)
    python tools/data/build_store.py data/skeleton/k400_2d.pkl \\
        data/skeleton/k400_2d_store --dtype float16

    # afterwards: check every sample of the store against the pickle
    python tools/data/build_store.py data/skeleton/ntu60_3danno.pkl \\
        data/skeleton/ntu60_3danno_store --force --check
"""
import argparse
import os.path as osp
import sys
import time
from typing import Dict, List, Optional, Sequence

import numpy as np

try:
    from brl_mm.datasets import (SkeletonStore, load_skeleton_pickle,
                                 unpack_annotations, write_skeleton_store)
    from brl_mm.utils import refuse_to_overwrite
except ImportError:  # running from a source checkout without installing
    sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '..',
                                            '..')))
    from brl_mm.datasets import (SkeletonStore, load_skeleton_pickle,
                                 unpack_annotations, write_skeleton_store)
    from brl_mm.utils import refuse_to_overwrite


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """The command line (see the module docstring); ``argv`` defaults to
    ``sys.argv[1:]``."""
    parser = argparse.ArgumentParser(
        description='Convert an mmaction skeleton pickle into a '
        'memory-mapped skeleton store directory.',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('pickle', help='the skeleton annotation pickle')
    parser.add_argument('out_dir', help='the store directory to create')
    parser.add_argument(
        '--dtype',
        default='auto',
        choices=('auto', 'float32', 'float16'),
        help='on-disk dtype of keypoint / keypoint_score; auto keeps the '
        "pickle's (float16 or float32, else float32)")
    parser.add_argument('--drop-field',
                        action='append',
                        default=[],
                        metavar='FIELD',
                        help='an annotation field not to store (repeatable)')
    parser.add_argument('--force',
                        action='store_true',
                        help='replace an existing OUT_DIR')
    parser.add_argument(
        '--check',
        action='store_true',
        help='read every sample back and compare it with the pickle')
    return parser.parse_args(argv)


def unmatched_split_ids(annotations: Sequence[Dict],
                        splits: Dict[str, Sequence[str]]) -> Dict[str, int]:
    """Per split, how many of its ids name no annotation (mmaction ignores
    them; the store cannot hold them)."""
    if not annotations:
        return {}
    identifier = 'filename' if 'filename' in annotations[0] else 'frame_dir'
    ids = {a.get(identifier) for a in annotations}
    missing = {name: sum(i not in ids for i in lst)
               for name, lst in splits.items()}
    return {name: n for name, n in missing.items() if n}


def compare(store: SkeletonStore, annotations: Sequence[Dict],
            drop: Sequence[str]) -> int:
    """Count the samples whose stored version differs from the pickle's
    (arrays compared in the dtype they are read back in)."""
    bad = 0
    for row, ann in enumerate(annotations):
        got = store.sample(row)
        want = {k: v for k, v in ann.items() if k not in drop}
        same = got.keys() == want.keys() and all(
            np.array_equal(got[k], np.asarray(want[k], got[k].dtype))
            if isinstance(want[k], np.ndarray) else got[k] == want[k]
            for k in want)
        if not same:
            if bad < 5:
                print(f'differs: sample {row} {ann.get("frame_dir")!r}',
                      file=sys.stderr)
            bad += 1
    return bad


def main(argv: Optional[List[str]] = None) -> int:
    """Convert and print a summary.

    Args:
        argv (list[str], optional): Command-line arguments.

    Returns:
        int: Exit status (2 on bad input, 1 if ``--check`` finds a
        difference).
    """
    args = parse_args(argv)
    if refuse_to_overwrite(args.out_dir, args.force):
        return 2
    start = time.perf_counter()
    try:
        annotations, splits, classes, problems = unpack_annotations(
            load_skeleton_pickle(args.pickle), args.pickle)
        if problems:
            raise ValueError(problems[0].message)
        for name, n in unmatched_split_ids(annotations, splits).items():
            print(f'warning: {n} ids of split {name!r} name no annotation of '
                  f'{args.pickle}; the store leaves them out (as mmaction '
                  'ignores them)', file=sys.stderr)
        write_skeleton_store(
            args.out_dir, annotations, splits, classes,
            dtype=None if args.dtype == 'auto' else args.dtype,
            force=args.force, drop_fields=args.drop_field,
            meta=dict(source=osp.abspath(args.pickle)))
        store = SkeletonStore(args.out_dir)
    except (OSError, ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    print(f'wrote {store.summary()} in {time.perf_counter() - start:.1f} s')
    if args.check:
        bad = compare(store, annotations, args.drop_field)
        if bad:
            print(f'check: {bad} of {len(store)} samples differ from '
                  f'{args.pickle}', file=sys.stderr)
            return 1
        print(f'check: all {len(store)} samples equal the pickle\'s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
