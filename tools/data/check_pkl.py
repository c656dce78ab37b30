"""Check a skeleton pickle against a layout before a long run fails on it.

    python tools/data/check_pkl.py data/skeleton/ntu60_3d.pkl \\
        --layout nturgb+d --num-classes 60 --split xsub_train

Reports the schema, per-split and per-class counts with the many / medium /
few groups that ``LongTailMetric`` will use (from the training split:
``--split``, else the one split whose name ends in ``train``), frame-length
and person-count statistics, joint count and coordinate dims, and every
problem the dataset would raise at build time (the checks are
:mod:`brl_mm.datasets.validation`, the same functions
``LongTailPoseDataset`` calls), plus split ids without an annotation,
train/val overlap and ``total_frames`` mismatches.

Exit code: 0 when clean (warnings allowed), 1 when there are errors, 2 when
the file cannot be read or the arguments are wrong.
"""
import argparse
import inspect
import sys
from collections import Counter, defaultdict
from typing import Dict, List, Optional, Sequence

import numpy as np

import brl_mm  # noqa: F401
from brl_mm.datasets import (LAYOUTS, Problem,
                             check_class_coverage, check_duplicate_ids,
                             check_keypoints, check_label_range,
                             check_label_types, check_num_classes,
                             check_split_name, check_splits,
                             check_total_frames, counts_from_labels,
                             get_layout, is_label_index,
                             load_skeleton_pickle, split_by_shot,
                             unpack_annotations)
from brl_mm.evaluation import LongTailMetric

_METRIC_ARGS = inspect.signature(LongTailMetric.__init__).parameters
#: The shot-group thresholds LongTailMetric uses unless a config changes them.
MANY_THR = _METRIC_ARGS['many_thr'].default
FEW_THR = _METRIC_ARGS['few_thr'].default


def _stats(values: Sequence[int]) -> str:
    v = np.asarray(values)
    if not v.size:
        return 'none'
    return (f'min {v.min()}, median {int(np.median(v))}, mean {v.mean():.1f},'
            f' max {v.max()}')


def _train_split(splits: Dict, split: Optional[str]) -> Optional[str]:
    if split is not None:
        return split
    train = [name for name in splits if name.endswith('train')]
    return train[0] if len(train) == 1 else None


def _class_table(per_split: Dict[str, np.ndarray],
                 classes: Optional[Sequence], groups: Dict[int, str],
                 max_rows: int) -> List[str]:
    """Rows ``class  count-per-split...  shot group`` (the first and last
    ``max_rows // 2`` classes when there are more than ``max_rows``)."""
    names = list(per_split)
    num_classes = len(next(iter(per_split.values())))
    lines = [f'  {"class":<24}' + ''.join(f'{n:>12}' for n in names) +
             '   group']
    shown = range(num_classes) if num_classes <= max_rows else list(
        range(max_rows // 2)) + [None] + list(
            range(num_classes - max_rows // 2, num_classes))
    for c in shown:
        if c is None:
            lines.append(f'  ... ({num_classes - 2 * (max_rows // 2)} more)')
            continue
        name = f'{c}' + (f' {classes[c]}' if classes is not None
                         and c < len(classes) else '')
        lines.append(f'  {name[:24]:<24}' + ''.join(
            f'{int(per_split[n][c]):>12}' for n in names) +
            f'   {groups.get(c, "")}')
    return lines


def check(path: str, layout: Optional[str], num_classes: Optional[int],
          split: Optional[str], many_thr: int = MANY_THR,
          few_thr: int = FEW_THR, max_listed: int = 5,
          max_rows: int = 40) -> tuple:
    """Check one pickle.

    Args:
        path (str): The skeleton pickle.
        layout (str, optional): Layout name; None skips the layout checks.
        num_classes (int, optional): Expected number of classes.
        split (str, optional): The training split (counts, shot groups and
            the every-class-present check).
        many_thr (int): Many-shot threshold (``LongTailMetric``'s default).
        few_thr (int): Few-shot threshold.
        max_listed (int): Messages printed per kind of problem.
        max_rows (int): Rows of the per-class table.

    Returns:
        tuple: ``(report lines, problems)``.
    """
    lines = [f'check_pkl: {path}']
    raw = load_skeleton_pickle(path)
    annotations, splits, classes, problems = unpack_annotations(raw, path)
    if problems:
        return lines + _problem_lines(problems, max_listed), problems
    kind = ('dict(' + ', '.join(sorted(raw)) + ')'
            if isinstance(raw, dict) else 'list of annotations')
    lines.append(f'schema: {kind}; {len(annotations)} annotations, '
                 f'{len(splits)} split(s), '
                 + (f'{len(classes)} class names' if classes is not None
                    else 'no class names'))
    identifier = 'filename' if 'filename' in annotations[0] else 'frame_dir'
    layout_obj = get_layout(layout) if layout is not None else None
    problems += check_label_types(annotations, path)
    problems += check_duplicate_ids(annotations, path, identifier)
    problems += check_num_classes(num_classes, classes, path)
    problems += check_split_name(split, splits, path,
                                 is_list=not isinstance(raw, dict))
    problems += check_splits(splits, annotations, path, identifier)

    typed = [a for a in annotations if is_label_index(a.get('label'))]
    labels = np.array([int(a['label']) for a in typed], dtype=np.int64)
    if num_classes is None:
        num_classes = (len(classes) if classes is not None else
                       int(labels.max()) + 1 if labels.size else 0)
    problems += check_label_range(labels, typed, num_classes, path)
    problems += check_keypoints(annotations, path, None, layout_obj)
    problems += check_total_frames(annotations, path)

    # shapes, lengths, persons
    shapes = [np.shape(a['keypoint']) for a in annotations
              if a.get('keypoint') is not None]
    four_d = [s for s in shapes if len(s) == 4]
    joints = Counter(s[2] for s in four_d)
    dims = Counter(s[3] for s in four_d)
    lines.append('keypoint: ' + ', '.join(
        f'{v} joints x{n}' for v, n in sorted(joints.items())) + '; ' +
        ', '.join(f'{c}-D x{n}' for c, n in sorted(dims.items())) +
        ('' if layout_obj is None else
         f' (layout {layout_obj.name!r}: {layout_obj.num_joints} joints, '
         f'{layout_obj.coord_dims}-D)'))
    lines.append(f'frames (T): {_stats([s[1] for s in four_d])}')
    persons = Counter(s[0] for s in four_d)
    lines.append('persons (M): ' + ', '.join(
        f'{m}: {n}' for m, n in sorted(persons.items())))
    if any('img_shape' in a for a in annotations):
        img = Counter(tuple(a['img_shape']) for a in annotations
                      if 'img_shape' in a)
        lines.append('img_shape: ' + ', '.join(
            f'{s}: {n}' for s, n in img.most_common(3)))
    elif layout_obj is not None and layout_obj.coord_dims == 2:
        lines.append('img_shape: none (mmaction\'s PreNormalize2D then '
                     'assumes 1080 x 1920 pixels)')

    # per-split, per-class counts and the shot groups
    by_id = defaultdict(list)
    for a in typed:
        by_id[a.get(identifier)].append(int(a['label']))
    frames_of = {a.get(identifier): np.shape(a['keypoint'])[1]
                 for a in annotations if np.ndim(a.get('keypoint')) == 4}
    per_split = {'all': counts_from_labels(
        labels[(labels >= 0) & (labels < num_classes)], num_classes)}
    for name in sorted(splits):
        split_labels = [lab for i in splits[name] for lab in by_id.get(i, [])
                        if 0 <= lab < num_classes]
        per_split[name] = counts_from_labels(split_labels, num_classes)
        lines.append(f'split {name!r}: {len(splits[name])} ids, '
                     f'{len(split_labels)} labelled samples; frames '
                     + _stats([frames_of[i] for i in splits[name]
                               if i in frames_of]))
    train = _train_split(splits, split)
    groups = {}
    if train in per_split and num_classes:
        counts = per_split[train]
        shot = split_by_shot(counts, many_thr, few_thr)
        groups = {c: g for g, cs in shot.items() for c in cs}
        lines.append(
            f'shot groups from {train!r} (LongTailMetric: many > {many_thr}, '
            f'few < {few_thr}): ' + ', '.join(
                f'{g} {len(shot[g])}' for g in ('many', 'medium', 'few')) +
            f'; counts {counts.max()}..{counts.min()}, imbalance '
            + (f'{counts.max() / counts.min():.1f}' if counts.min() else
               'inf (a class is empty)'))
        problems += check_class_coverage(counts, path, train)
        for name in per_split:
            if name in ('all', train):
                continue
            empty = np.flatnonzero(per_split[name] == 0)
            if empty.size:
                problems.append(Problem(
                    'empty_class',
                    f'{path}: split {name!r} has no sample of {empty.size} '
                    f'class(es) (first: {empty[:5].tolist()}); their '
                    'accuracy is absent from its evaluation.',
                    level='warning'))
    elif splits:
        lines.append('shot groups: no training split (pass --split NAME)')
    if num_classes:
        lines.append(f'per-class counts ({num_classes} classes):')
        lines += _class_table(per_split, classes, groups, max_rows)
    return lines + _problem_lines(problems, max_listed), problems


def _problem_lines(problems: List[Problem], max_listed: int) -> List[str]:
    errors = [p for p in problems if p.level == 'error']
    warnings = [p for p in problems if p.level != 'error']
    lines = []
    for title, group in (('errors', errors), ('warnings', warnings)):
        if not group:
            continue
        lines.append(f'{title}:')
        by_code = defaultdict(list)
        for p in group:
            by_code[p.code].append(p)
        for code, items in by_code.items():
            for p in items[:max_listed]:
                lines.append(f'  [{code}] {p.message}')
            if len(items) > max_listed:
                lines.append(f'  [{code}] ... and {len(items) - max_listed} '
                             'more like this')
    lines.append(f'result: {len(errors)} error(s), {len(warnings)} '
                 'warning(s)' + ('' if errors else ' - OK'))
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='exit code: 0 clean, 1 errors found, 2 unreadable file')
    parser.add_argument('pickle')
    parser.add_argument('--layout', default='nturgb+d',
                        help=f'one of {sorted(LAYOUTS)}, or "none" to skip '
                        'the layout checks (default: nturgb+d)')
    parser.add_argument('--num-classes', type=int)
    parser.add_argument('--split', help='training split (default: the one '
                        'split whose name ends in "train")')
    parser.add_argument('--many-thr', type=int, default=MANY_THR)
    parser.add_argument('--few-thr', type=int, default=FEW_THR)
    parser.add_argument('--max-listed', type=int, default=5,
                        help='messages shown per kind of problem')
    parser.add_argument('--max-rows', type=int, default=40,
                        help='rows of the per-class table (default 40)')
    args = parser.parse_args(argv)
    layout = None if args.layout.lower() == 'none' else args.layout
    if layout is not None and layout not in LAYOUTS:
        print(f'error: unknown layout {layout!r}; use one of '
              f'{sorted(LAYOUTS)} or "none"', file=sys.stderr)
        return 2
    try:
        lines, problems = check(args.pickle, layout, args.num_classes,
                                args.split, args.many_thr, args.few_thr,
                                args.max_listed, args.max_rows)
    except (FileNotFoundError, ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    print('\n'.join(lines))
    return 1 if any(p.level == 'error' for p in problems) else 0


if __name__ == '__main__':
    sys.exit(main())
