"""Generate a synthetic long-tailed skeleton dataset as an mmaction2 pickle.

A stand-in for NTU RGB+D when the real skeletons are not available: see
:mod:`brl_mm.datasets.synthetic` for how the motions are synthesised.

Examples::

    # default: 20 classes, NTU-25 3D, 911 long-tailed train + 600 val samples
    python tools/data/generate_synthetic_lt.py data/skeleton/synth_ntu.pkl

    # 2D COCO keypoints, 60 classes, NTU-LT-like profile
    python tools/data/generate_synthetic_lt.py data/skeleton/synth_coco.pkl \\
        --layout coco --num-classes 60 --n-max 300

    # list the class table
    python tools/data/generate_synthetic_lt.py --list-classes

    # a memory-mapped skeleton store instead of a pickle, written sample by
    # sample (for sets larger than RAM; see brl_mm.datasets.store)
    python tools/data/generate_synthetic_lt.py --store data/skeleton/synth_store
"""
import argparse
import os
import os.path as osp
import sys
import time
from typing import List, Optional

try:
    from brl_mm.datasets.synthetic import (generate_synthetic_lt,
                                           max_synthetic_classes,
                                           synthetic_class_names,
                                           synthetic_layouts)
    from brl_mm.datasets import SkeletonStore, SkeletonStoreWriter
except ImportError:  # running from a source checkout without installing
    sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '..',
                                            '..')))
    from brl_mm.datasets.synthetic import (generate_synthetic_lt,
                                           max_synthetic_classes,
                                           synthetic_class_names,
                                           synthetic_layouts)
    from brl_mm.datasets import SkeletonStore, SkeletonStoreWriter


def default_out_file(layout: str) -> str:
    """Default pickle path for a layout."""
    tag = 'ntu' if layout == 'nturgb+d' else layout.replace('+', '')
    return osp.join('data', 'skeleton', f'synthetic_lt_{tag}.pkl')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the command line.

    Args:
        argv (list[str], optional): Arguments; ``sys.argv[1:]`` if None.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    parser = argparse.ArgumentParser(
        description='Generate a synthetic long-tailed skeleton action '
        'dataset (mmaction2 PoseDataset pickle, splits xsub_train / '
        'xsub_val).',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument(
        'out_file',
        nargs='?',
        default=None,
        help='output pickle; default data/skeleton/synthetic_lt_<layout>.pkl')
    parser.add_argument(
        '--out',
        dest='out_option',
        default=None,
        metavar='OUT_FILE',
        help='the output pickle, as an option (same as OUT_FILE)')
    parser.add_argument(
        '--num-classes',
        type=int,
        default=None,
        help=f'number of classes (2 to {max_synthetic_classes()}): the '
        'first of the class table (default 20)')
    parser.add_argument(
        '--classes',
        nargs='+',
        default=None,
        metavar='NAME',
        help='the classes to generate, by name (quoted), in label order: '
        'the first is the head of the long tail (--list-classes '
        '--num-classes %d lists every name)' % max_synthetic_classes())
    parser.add_argument(
        '--class-counts',
        type=int,
        nargs='+',
        default=None,
        metavar='N',
        help='training samples per label, instead of the --n-max / '
        '--imbalance-factor profile (one per class)')
    parser.add_argument('--n-max',
                        type=int,
                        default=200,
                        help='train samples of the head '
                        'class')
    parser.add_argument('--imbalance-factor',
                        type=float,
                        default=100.0,
                        help='n_max / n_min of the train split')
    parser.add_argument('--val-per-class',
                        type=int,
                        default=30,
                        help='val samples per class')
    parser.add_argument(
        '--layout',
        default='nturgb+d',
        choices=synthetic_layouts(),
        help='joint layout (3D: nturgb+d, nw_ucla; 2D: coco, openpose)')
    parser.add_argument('--min-frames',
                        type=int,
                        default=30,
                        help='shortest clip')
    parser.add_argument('--max-frames',
                        type=int,
                        default=48,
                        help='longest clip')
    parser.add_argument('--fps',
                        type=float,
                        default=15.0,
                        help='frame rate of the motions')
    parser.add_argument('--train-subjects',
                        type=int,
                        default=20,
                        help='train performers')
    parser.add_argument('--val-subjects',
                        type=int,
                        default=20,
                        help='val performers')
    parser.add_argument('--style-scale',
                        type=float,
                        default=1.0,
                        help='how differently the subjects perform an '
                        'action (multiplies the per-subject spread of the '
                        'motion parameters; 0: all alike)')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument(
        '--store',
        default=None,
        metavar='DIR',
        help='write a skeleton store directory (streaming) instead of a '
        'pickle')
    parser.add_argument('--store-dtype',
                        default='float32',
                        choices=('float32', 'float16'),
                        help='on-disk dtype of the store\'s keypoints')
    parser.add_argument('--force',
                        action='store_true',
                        help='replace an existing --store directory')
    parser.add_argument(
        '--list-classes',
        action='store_true',
        help='print the class names for --num-classes and exit')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    """Run the generator and print a summary.

    Args:
        argv (list[str], optional): Command-line arguments.

    Returns:
        int: Exit status.
    """
    args = parse_args(argv)
    if args.list_classes:
        try:
            names = synthetic_class_names(args.num_classes or 20)
        except (TypeError, ValueError) as e:
            print(f'error: {e}', file=sys.stderr)
            return 2
        for i, name in enumerate(names):
            print(f'{i:3d}  {name}')
        return 0
    if args.out_file and args.out_option and args.out_file != args.out_option:
        print('error: give the output file once (OUT_FILE or --out), got '
              f'{args.out_file} and {args.out_option}', file=sys.stderr)
        return 2
    if args.store and (args.out_file or args.out_option):
        print('error: give a pickle (OUT_FILE / --out) or --store DIR, not '
              'both', file=sys.stderr)
        return 2
    if args.store:
        return write_store(args)
    out_file = (args.out_file or args.out_option
                or default_out_file(args.layout))
    start = time.perf_counter()
    try:
        data = generate_synthetic_lt(out_file,
                                     num_classes=args.num_classes,
                                     classes=args.classes,
                                     class_counts=args.class_counts,
                                     n_max=args.n_max,
                                     imbalance_factor=args.imbalance_factor,
                                     val_per_class=args.val_per_class,
                                     layout=args.layout,
                                     min_frames=args.min_frames,
                                     max_frames=args.max_frames,
                                     seed=args.seed,
                                     fps=args.fps,
                                     train_subjects=args.train_subjects,
                                     val_subjects=args.val_subjects,
                                     style_scale=args.style_scale)
    except (TypeError, ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    seconds = time.perf_counter() - start
    meta = data['meta']
    counts = meta['train_counts']
    classes = data['classes']
    two = meta['two_person_classes']
    frames = [a['total_frames'] for a in data['annotations']]
    print(f'wrote {out_file} ({os.path.getsize(out_file) / 2**20:.1f} MiB) '
          f'in {seconds:.1f} s')
    print(f'layout {args.layout}, {len(classes)} classes '
          f'({len(two)} two-person), frames {min(frames)}-{max(frames)} '
          f'at {args.fps:g} fps')
    print(f'train (xsub_train): {len(data["split"]["xsub_train"])} samples, '
          f'{len(meta["train_subject_ids"])} subjects; head class 0 '
          f'"{classes[0]}" {counts[0]}, tail class {len(classes) - 1} '
          f'"{classes[-1]}" {counts[-1]}')
    print(f'val (xsub_val): {len(data["split"]["xsub_val"])} samples, '
          f'{args.val_per_class} per class, '
          f'{len(meta["val_subject_ids"])} other subjects')
    print('train counts per class: ' + ' '.join(str(c) for c in counts))
    return 0


def write_store(args: argparse.Namespace) -> int:
    """Generate straight into a skeleton store, one sample at a time.

    Args:
        args (argparse.Namespace): The parsed arguments (``args.store``).

    Returns:
        int: Exit status.
    """
    start = time.perf_counter()
    try:
        classes = args.classes or synthetic_class_names(args.num_classes
                                                        or 20)
        with SkeletonStoreWriter(args.store, dtype=args.store_dtype,
                                 force=args.force, classes=classes,
                                 splits=('xsub_train', 'xsub_val'),
                                 meta=dict(source='generate_synthetic_lt',
                                           args=vars(args))) as writer:
            data = generate_synthetic_lt(
                None, num_classes=args.num_classes, classes=args.classes,
                class_counts=args.class_counts,
                n_max=args.n_max,
                imbalance_factor=args.imbalance_factor,
                val_per_class=args.val_per_class, layout=args.layout,
                min_frames=args.min_frames, max_frames=args.max_frames,
                seed=args.seed, fps=args.fps,
                train_subjects=args.train_subjects,
                val_subjects=args.val_subjects,
                style_scale=args.style_scale,
                sink=lambda ann, split: writer.add(ann, (split, )))
    except (TypeError, ValueError, OSError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    print(f'wrote {SkeletonStore(args.store).summary()} in '
          f'{time.perf_counter() - start:.1f} s')
    print('train counts per class: ' +
          ' '.join(str(c) for c in data['meta']['train_counts']))
    return 0


if __name__ == '__main__':
    sys.exit(main())
