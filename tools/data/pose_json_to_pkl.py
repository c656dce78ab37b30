"""Convert pose-estimator output of a folder of videos to a 2D skeleton pickle.

    # labels from the folders: poses/<class>/<video>.json
    python tools/data/pose_json_to_pkl.py poses/ data/my_coco.pkl \\
        --num-person 2 --val-fraction 0.2 --img-shape 1080 1920

    # labels (and splits) from a CSV with columns video,label[,split]
    python tools/data/pose_json_to_pkl.py poses/ data/my_coco.pkl \\
        --labels labels.csv --split-column split

    # then check it and make a long-tailed training list
    python tools/data/check_pkl.py data/my_coco.pkl --layout coco
    python tools/data/lt_split_tool.py build data/my_coco.pkl --split train \\
        --imbalance-factor 10 --n-max 100 --out data/my_coco_lt.txt

Each video is one file: mmpose ``MMPoseInferencer`` predictions (``.json``,
written with ``pred_out_dir=``), or rtmlib-style arrays (``.npz`` with
``keypoints`` (T, N, 17, 2) and ``scores`` (T, N, 17), ``.npy`` (T, N, 17, 3),
or a JSON list per frame of ``{"keypoints", "scores"}``). Persons are tracked
across frames (box IoU / centre distance, Hungarian matching) and the
``--num-person`` main tracks kept (``--select score`` or ``motion``). The
output is ``dict(split=..., annotations=[...], classes=[...])`` in mmaction's
2D format (``keypoint`` (M, T, V, 2) float32, ``keypoint_score`` (M, T, V)).
Without ``--img-shape`` the annotations carry no ``img_shape`` and
mmaction's ``PreNormalize2D`` assumes 1080 x 1920.

Exit code 2 (no traceback) on a malformed file, naming the file and frame.
"""
import argparse
import sys

from mmengine.utils import track_iter_progress

import brl_mm  # noqa: F401
from brl_mm.datasets import LAYOUTS, get_layout
from brl_mm.datasets.converters import PoseFileError, convert_pose_folder
from brl_mm.utils import dump_atomically, refuse_to_overwrite


def _progress(videos):
    return track_iter_progress(list(videos)) if len(videos) > 1 else videos


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('root', help='folder of pose files (root/<class>/'
                        '<video>.json without --labels)')
    parser.add_argument('out', help='output pickle')
    parser.add_argument('--labels', help='CSV with columns video,label '
                        '(class names or 0-based indices)')
    parser.add_argument('--split-column', help='CSV column with each '
                        "video's split (instead of --val-fraction)")
    parser.add_argument('--skip-unlabelled', action='store_true',
                        help='leave out pose files without a CSV row')
    parser.add_argument('--val-fraction', type=float, default=0.2,
                        help='share of each class in the "val" split, drawn '
                        'with --seed (0: a "train" split only; default 0.2)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--layout', default='coco',
                        help='2D layout of the poses (default: coco, 17 '
                        'joints)')
    parser.add_argument('--take-first-joints', action='store_true',
                        help='keep the first V joints of larger skeletons '
                        '(COCO-WholeBody 133, Halpe 26)')
    parser.add_argument('--num-person', type=int, default=2,
                        help='tracks kept per video (default 2)')
    parser.add_argument('--select', choices=['score', 'motion'],
                        default='score', help='rank tracks by summed joint '
                        'score or by motion (default score)')
    parser.add_argument('--iou-thr', type=float, default=0.3,
                        help='box IoU that links detections (default 0.3)')
    parser.add_argument('--dist-thr', type=float, default=0.5,
                        help='centre distance in box diagonals that links '
                        'detections (default 0.5)')
    parser.add_argument('--max-gap', type=int, default=5,
                        help='frames a track may be missed (default 5)')
    parser.add_argument('--img-shape', type=int, nargs=2,
                        metavar=('H', 'W'), help='frame size of the videos')
    parser.add_argument('--force', action='store_true',
                        help='overwrite an existing output file')
    args = parser.parse_args(argv)

    if refuse_to_overwrite(args.out, args.force):
        return 2
    if args.layout not in LAYOUTS or LAYOUTS[args.layout].coord_dims != 2:
        layouts_2d = sorted(k for k, e in LAYOUTS.items() if e.coord_dims == 2)
        print(f'error: --layout {args.layout!r} is not a 2D layout; use one '
              f'of {layouts_2d}', file=sys.stderr)
        return 2
    if args.split_column and not args.labels:
        print('error: --split-column needs --labels CSV', file=sys.stderr)
        return 2
    if not 0 <= args.val_fraction < 1 or args.num_person < 1:
        print('error: --val-fraction must be in [0, 1) and --num-person >= 1',
              file=sys.stderr)
        return 2
    try:
        data, notes = convert_pose_folder(
            args.root, args.labels, args.split_column, args.val_fraction,
            args.seed, get_layout(args.layout).num_joints,
            args.take_first_joints,
            tuple(args.img_shape) if args.img_shape else None,
            args.skip_unlabelled, progress=_progress,
            num_person=args.num_person, select=args.select,
            iou_thr=args.iou_thr, dist_thr=args.dist_thr,
            max_gap=args.max_gap)
    except PoseFileError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    dump_atomically(data, args.out)
    for note in notes:
        print(f'note: {note}', file=sys.stderr)
    classes = data.get('classes')
    print(f'wrote {len(data["annotations"])} videos to {args.out} ('
          + ', '.join(f'{k}: {len(v)}' for k, v in data['split'].items())
          + (f'; {len(classes)} classes' if classes else '') + ')')
    return 0


if __name__ == '__main__':
    sys.exit(main())
