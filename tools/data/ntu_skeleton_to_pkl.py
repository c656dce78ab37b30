"""Convert official NTU RGB+D 60/120 ``.skeleton`` files to an mmaction pickle.

    python tools/data/ntu_skeleton_to_pkl.py nturgb+d_skeletons/ \\
        data/skeleton/ntu60_3d.pkl --dataset ntu60 \\
        --ignore-list NTU_RGBD_samples_with_missing_skeletons.txt

Writes ``dict(split=..., annotations=[...])`` with the official splits
(``xsub_*``/``xview_*`` for NTU60, ``xsub_*``/``xset_*`` for NTU120) and one
annotation per sample: ``frame_dir``, ``label``, ``total_frames``,
``keypoint`` (M=2, T, 25, 3). Bodies are denoised as described in
:mod:`brl_mm.datasets.ntu_raw` (at most 2 bodies, frames without any kept
body dropped). For NTU60 only actions 1-60 are read.
"""
import argparse
import glob
import os.path as osp
import sys

from brl_mm.datasets.converters.ntu_raw import (official_splits, parse_sample_name,
                                     skeleton_file_to_annotation)
from brl_mm.utils import dump_atomically, refuse_to_overwrite


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='folder with the .skeleton files')
    parser.add_argument('out', help='output pickle')
    parser.add_argument('--dataset', choices=['ntu60', 'ntu120'],
                        default='ntu60')
    parser.add_argument('--ignore-list', help='text file of sample names to '
                        'skip (the official missing-skeleton list)')
    parser.add_argument('--max-bodies', type=int, default=2)
    parser.add_argument('--force', action='store_true',
                        help='overwrite an existing output file')
    args = parser.parse_args(argv)
    if refuse_to_overwrite(args.out, args.force):
        return 2
    ignore = set()
    if args.ignore_list:
        with open(args.ignore_list) as f:
            ignore = {line.strip() for line in f if line.strip()}
    files = sorted(glob.glob(osp.join(args.src, '*.skeleton')))
    if not files:
        print(f'error: no .skeleton files in {args.src}', file=sys.stderr)
        return 2
    max_action = 60 if args.dataset == 'ntu60' else 120
    annotations, empty = [], []
    for path in files:
        name = osp.basename(path).split('.')[0]
        if name in ignore or parse_sample_name(name)['action'] > max_action:
            continue
        annotation = skeleton_file_to_annotation(path, args.max_bodies)
        if annotation is None:
            empty.append(name)
        else:
            annotations.append(annotation)
    splits = official_splits([a['frame_dir'] for a in annotations],
                             args.dataset)
    dump_atomically(dict(split=splits, annotations=annotations), args.out)
    print(f'wrote {len(annotations)} samples to {args.out} ('
          + ', '.join(f'{k}: {len(v)}' for k, v in splits.items()) + ')')
    if empty:
        print(f'skipped {len(empty)} samples without bodies: '
              + ', '.join(empty[:10]))
    return 0


if __name__ == '__main__':
    sys.exit(main())
