"""Recognize the actions of skeleton sequences with a trained model.

    python tools/infer.py INPUT [INPUT ...] --config CONFIG_OR_ZOO_NAME \\
        --checkpoint CKPT_OR_brl://NAME [--split xsub_val] [--num 5] \\
        [--out predictions.json]

INPUT: an mmaction skeleton pickle (every sample, or ``--split`` /
``--ids``, ``--every K`` / ``--num N``), a ``.npy`` (``(M, T, V, C)`` or
``(T, V, C)``) / ``.npz`` (``keypoint`` [+ ``keypoint_score``]) keypoint
array, or an mmpose inferencer ``predictions`` JSON (2D, e.g. COCO-17).
``--config`` takes a config file or a model-zoo name
(``configs/**/metafile.yml``);
``--checkpoint`` a file or ``brl://NAME`` (an official BRL checkpoint you
downloaded, see README). Several streams fuse like ``tools/ensemble.py``:
``--stream CONFIG CKPT`` once per stream with ``--preset 2s|4s|6s|k400``.

Prints the top-k classes (names from the checkpoint, else the benchmark's
packaged list) of every sample, with the true class where the input has one,
and writes them as JSON with ``--out`` (kept unless ``--force``). Bad input
(a skeleton layout the model was not trained on, an unreadable file) exits
with status 2 and a message saying what to do.
"""
import argparse
import json
import os.path as osp
import sys
from typing import List, Optional

import brl_mm  # noqa: F401  (compat shims + registration, brl://)
from brl_mm.apis import (LayoutMismatchError, SkeletonInputError, class_name,
                         inference_ensemble, inference_skeleton,
                         init_ensemble, init_recognizer, read_skeleton_inputs)
from brl_mm.evaluation import ENSEMBLE_PRESETS
from brl_mm.utils import dump_atomically, overwrite_refusal


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Command line of the inference tool."""
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='\n'.join(__doc__.split('\n')[1:]))
    parser.add_argument('inputs', nargs='+', help='.pkl / .npy / .npz / '
                        '.json skeleton inputs')
    parser.add_argument('--config', help='config file or zoo name')
    parser.add_argument('--checkpoint', help='checkpoint file or brl://NAME '
                        '(default for a zoo name: its official checkpoint)')
    parser.add_argument(
        '--stream', nargs=2, action='append', metavar=('CONFIG', 'CKPT'),
        help='one stream of an ensemble (repeat; instead of --config)')
    how = parser.add_mutually_exclusive_group()
    how.add_argument('--preset', choices=list(ENSEMBLE_PRESETS),
                     help='BRL fusion weights of the --stream s, in order')
    how.add_argument('--weights', nargs='+', type=float,
                     help='one fusion weight per --stream')
    parser.add_argument('--split', help='pickles: the split to recognize')
    parser.add_argument('--ids', nargs='+', help='pickles: these frame_dirs')
    parser.add_argument('--every', type=int, default=1, metavar='K',
                        help='only every K-th sample of each input')
    parser.add_argument('--num', type=int,
                        help='at most N samples of each input')
    parser.add_argument('--topk', type=int, default=5)
    parser.add_argument('--layout', help='the inputs\' skeleton layout '
                        '(checked against the model\'s, e.g. coco)')
    parser.add_argument('--num-person', type=int, default=2,
                        help='JSON inputs: persons (tracks) kept (default 2)')
    parser.add_argument('--img-shape', nargs=2, type=int,
                        metavar=('H', 'W'), help='video size of 2D pixel '
                        'coordinates without img_shape (default 1080 1920)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--out', help='write the predictions as JSON')
    parser.add_argument('--force', action='store_true',
                        help='overwrite --out')
    args = parser.parse_args(argv)
    if bool(args.config) == bool(args.stream):
        parser.error('give --config (and --checkpoint) or --stream CONFIG '
                     'CKPT per stream')
    if args.config and not args.checkpoint:
        if osp.isfile(args.config):
            parser.error('--config needs --checkpoint (a file or brl://NAME)')
        args.checkpoint = f'brl://{args.config}'  # a zoo name's official
    if args.stream and len(args.stream) < 2:
        parser.error('an ensemble needs two or more --stream s')
    if (args.preset or args.weights) and not args.stream:
        parser.error('--preset / --weights fuse --stream s')
    return args


def format_table(rows: List[dict]) -> str:
    """A text table: one block of top-k lines per sample."""
    header = ('sample', 'true', 'rank', 'predicted', 'score')
    lines = []
    for row in rows:
        for rank, (label, name, score) in enumerate(
                zip(row['labels'], row['names'], row['scores']), 1):
            first = rank == 1
            lines.append((row['sample'] if first else '',
                          (row['true_name'] or '-') if first else '',
                          str(rank), f'{name} ({label})', f'{score:.3f}'))
    widths = [max(len(h), *(len(line[i]) for line in lines))
              for i, h in enumerate(header)]
    fmt = '  '.join(f'{{:<{w}}}' for w in widths)
    out = [fmt.format(*header), fmt.format(*('-' * w for w in widths))]
    return '\n'.join(out + [fmt.format(*line) for line in lines])


def run(args: argparse.Namespace) -> List[dict]:
    """Recognize every sample; returns the JSON rows."""
    from mmengine.utils import ProgressBar
    if args.stream:
        model = init_ensemble([tuple(s) for s in args.stream], args.preset,
                              args.weights, args.device)
        predict = inference_ensemble
    else:
        model = init_recognizer(args.config, args.checkpoint, args.device)
        predict = inference_skeleton
    classes = model.dataset_meta.get('classes')
    samples = []
    for path in args.inputs:
        found, file_classes = read_skeleton_inputs(
            path, args.split, args.ids, args.num_person)
        samples += [(s, file_classes)
                    for s in found[::max(1, args.every)][:args.num]]
    bar = ProgressBar(len(samples), file=sys.stderr) \
        if len(samples) > 1 else None
    rows = []
    for sample, file_classes in samples:
        result = predict(model, sample.keypoint,
                         keypoint_score=sample.keypoint_score,
                         layout=args.layout, topk=args.topk,
                         name=sample.name,
                         img_shape=sample.img_shape or args.img_shape)
        row = result.to_dict()
        del row['pred_score']
        row.update(source=sample.source, true_label=sample.label,
                   true_name=class_name(file_classes or classes,
                                        sample.label))
        rows.append(row)
        if bar is not None:
            bar.update()
    if bar is not None:
        sys.stderr.write('\n')
    return rows


def main(argv: Optional[List[str]] = None) -> int:
    """Run the tool; returns the exit status."""
    args = parse_args(argv)
    refusal = overwrite_refusal(args.out, args.force) if args.out else None
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    try:
        rows = run(args)
    except (LayoutMismatchError, SkeletonInputError, FileNotFoundError,
            KeyError, ValueError) as error:
        message = error.args[0] if error.args else str(error)
        print(f'error: {message}', file=sys.stderr)
        return 2
    print(format_table(rows))
    if any(r['true_label'] is not None for r in rows):
        hits = sum(r['labels'][0] == r['true_label'] for r in rows
                   if r['true_label'] is not None)
        known = sum(r['true_label'] is not None for r in rows)
        print(f'\ntop-1 correct: {hits} of {known}')
    if args.out:
        dump_atomically(json.dumps(rows, indent=1) + '\n', args.out)
        print(f'wrote {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
