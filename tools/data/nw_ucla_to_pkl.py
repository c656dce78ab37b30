"""Convert the NW-UCLA skeleton json files to an mmaction pickle.

    python tools/data/nw_ucla_to_pkl.py all_sqe/ data/skeleton/nw_ucla_3danno.pkl

Reads every ``*.json`` of the folder (the ``all_sqe`` files of CTR-GCN's
NW-UCLA release, see :mod:`brl_mm.datasets.nw_ucla_raw`) and writes
``dict(split=..., annotations=[...], classes=[...])`` with the cross-view
splits (``train``: views 1 and 2, ``val``: view 3) and one annotation per
sample: ``frame_dir``, ``label`` (0-based), ``total_frames``, ``keypoint``
(1, T, 20, 3) float32. configs/brl/nw_ucla_lt/ read this pickle and draw the
long-tailed training set (IF=10, n_max=100) from ``train``.
"""
import argparse
import glob
import os.path as osp
import sys

from brl_mm.datasets.converters.nw_ucla_raw import (NW_UCLA_CLASSES,
                                         nw_ucla_json_to_annotation,
                                         nw_ucla_splits)
from brl_mm.utils import dump_atomically, refuse_to_overwrite


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='folder with the NW-UCLA .json files')
    parser.add_argument('out', help='output pickle')
    parser.add_argument('--force', action='store_true',
                        help='overwrite an existing output file')
    args = parser.parse_args(argv)
    if refuse_to_overwrite(args.out, args.force):
        return 2
    files = sorted(glob.glob(osp.join(args.src, '*.json')))
    if not files:
        print(f'error: no .json files in {args.src}', file=sys.stderr)
        return 2
    try:
        annotations = [nw_ucla_json_to_annotation(path) for path in files]
    except ValueError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    splits = nw_ucla_splits(a['frame_dir'] for a in annotations)
    dump_atomically(
        dict(split=splits, annotations=annotations,
             classes=list(NW_UCLA_CLASSES)), args.out)
    print(f'wrote {len(annotations)} samples to {args.out} ('
          + ', '.join(f'{k}: {len(v)}' for k, v in splits.items()) + ')')
    return 0


if __name__ == '__main__':
    sys.exit(main())
