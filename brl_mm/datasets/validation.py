"""Checks of mmaction skeleton annotations, shared by the dataset and
``tools/data/check_pkl.py``.

Every check returns a list of :class:`Problem` s instead of raising, so that
:class:`~brl_mm.datasets.LongTailPoseDataset` can raise the first one (its
messages name the file, the sample and the fix) while the validator reports
all of them at once. The per-sample keypoint checks are numpy reductions per
sample (no loop over frames or joints).
"""
import numbers
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..layouts import SkeletonLayout

#: Coordinates per joint of each layout's keypoints ``(M, T, V, C)``: the 3D
#: layouts store (x, y, z); the 2D ones (x, y) plus ``keypoint_score``.

ERROR = 'error'
WARNING = 'warning'


@dataclass(frozen=True)
class Problem:
    """One finding about an annotation file.

    Args:
        code (str): Short kind, e.g. ``'label_range'`` or ``'nonfinite'``.
        message (str): The full sentence: file, sample(s) and the fix.
        level (str): ``'error'`` (training fails or is silently wrong) or
            ``'warning'``.
        indices (tuple[int]): Positions of the samples concerned in the
            checked list (empty for file-level problems).
        ids (tuple): Their ``frame_dir`` s.
    """

    code: str
    message: str
    level: str = ERROR
    indices: Tuple[int, ...] = field(default=(), repr=False)
    ids: Tuple = field(default=(), repr=False)


def sample_where(path: str, sample: Dict) -> str:
    """``'PATH: sample 'ID''``, the prefix of per-sample messages."""
    return f'{path}: sample {sample.get("frame_dir")!r}'


def split_where(path: str, split: Optional[str]) -> str:
    """``'PATH split 'S''`` (``'PATH'`` for ``split=None``), the prefix of
    per-split messages."""
    return path if split is None else f'{path} split {split!r}'


def unpack_annotations(raw, path: str
                       ) -> Tuple[List[Dict], Dict, Optional[list],
                                  List[Problem]]:
    """Split an unpickled skeleton file into annotations, splits and classes.

    Args:
        raw: What the pickle holds: ``dict(split=..., annotations=[...],
            classes=[...])`` or a plain list of annotations.
        path (str): The file, for messages.

    Returns:
        tuple: ``(annotations, splits, classes, problems)``; ``splits`` is
        ``{}`` and ``classes`` None when absent. With a problem the
        annotations may be empty.
    """
    if isinstance(raw, dict):
        if 'annotations' not in raw:
            return [], {}, None, [Problem(
                'schema',
                f'{path} is a dict without an "annotations" entry; an '
                'mmaction skeleton pickle is dict(split=..., '
                'annotations=[...]) or a list of annotations')]
        annotations, splits = raw['annotations'], raw.get('split', {})
        classes = raw.get('classes')
    elif isinstance(raw, (list, tuple)):
        annotations, splits, classes = list(raw), {}, None
    else:
        return [], {}, None, [Problem(
            'schema',
            f'{path} holds a {type(raw).__name__}; an mmaction skeleton '
            'pickle is dict(split=..., annotations=[...]) or a list of '
            'annotations')]
    if not annotations:
        return [], splits, classes, [Problem(
            'schema', f'{path} holds no annotations')]
    not_dicts = [
        i for i, a in enumerate(annotations) if not isinstance(a, dict)
    ]
    if not_dicts:
        return [], splits, classes, [Problem(
            'schema',
            f'{path}: {len(not_dicts)} annotation(s) are not dicts (first at '
            f'position {not_dicts[0]}: '
            f'{type(annotations[not_dicts[0]]).__name__}); each annotation is '
            'a dict with frame_dir, label, total_frames and keypoint')]
    return annotations, splits, classes, []


def check_split_name(split: Optional[str], splits: Dict, path: str,
                     is_list: bool = False) -> List[Problem]:
    """A ``split=`` that the file does not have.

    Args:
        split (str, optional): The requested split; None uses everything.
        splits (dict): The file's splits.
        path (str): The file.
        is_list (bool): The file is a plain list of annotations (no splits).
    """
    if split is None or split in splits:
        return []
    if is_list or not splits:
        kind = 'a list of annotations' if is_list else 'a pickle'
        return [Problem(
            'split',
            f'split {split!r} is not in {path}: it is {kind} without splits. '
            'Set `split=None` to use every annotation, or save it as '
            'dict(split={name: [frame_dir, ...]}, annotations=[...]) to add '
            'splits.')]
    return [Problem(
        'split',
        f'split {split!r} is not in {path}; it has {sorted(splits)}. Set '
        '`split=` to one of them.')]


def is_label_index(label) -> bool:
    """A label is a Python or numpy integer (not a bool, str or float)."""
    return (isinstance(label, (numbers.Integral, np.integer))
            and not isinstance(label, (bool, np.bool_)))


def check_label_types(annotations: Sequence[Dict],
                      path: str) -> List[Problem]:
    """Labels that are missing or not integers (a string or a float label
    would be cast silently or fail deep in the loss)."""
    missing, wrong = [], []
    for i, a in enumerate(annotations):
        if 'label' not in a:
            missing.append(i)
        elif not is_label_index(a['label']):
            wrong.append(i)
    problems = []
    if missing:
        first = annotations[missing[0]]
        problems.append(Problem(
            'label_missing',
            f'{sample_where(path, first)} has no "label" ({len(missing)} such '
            'samples). Every annotation needs an int class index: add '
            '"label" to each.',
            indices=tuple(missing),
            ids=tuple(annotations[i].get('frame_dir') for i in missing)))
    if wrong:
        first = annotations[wrong[0]]
        label = first['label']
        problems.append(Problem(
            'label_type',
            f'{sample_where(path, first)} has label {label!r} of type '
            f'{type(label).__name__} ({len(wrong)} such samples). Labels must '
            'be int 0-based class indices: map class names to indices (and '
            'store the names in the pickle\'s "classes"), or convert whole '
            'numbers with int().',
            indices=tuple(wrong),
            ids=tuple(annotations[i].get('frame_dir') for i in wrong)))
    return problems


def check_num_classes(num_classes: Optional[int], classes: Optional[Sequence],
                      path: str) -> List[Problem]:
    """A ``num_classes`` that disagrees with the file's class names."""
    if (num_classes is not None and classes is not None
            and len(classes) != num_classes):
        return [Problem(
            'num_classes',
            f'num_classes={num_classes} but {path} names {len(classes)} '
            'classes: fix num_classes in the config '
            '(model.cls_head.num_classes must match too)')]
    return []


def check_label_range(labels: np.ndarray, data_list: Sequence[Dict],
                      num_classes: int, path: str) -> List[Problem]:
    """Labels outside ``[0, num_classes)``.

    Args:
        labels (np.ndarray): ``int(label)`` of each sample of ``data_list``.
        data_list (Sequence[dict]): The samples, for their ids.
        num_classes (int): ``K``.
        path (str): The file.
    """
    bad = np.flatnonzero((labels < 0) | (labels >= num_classes))
    if not bad.size:
        return []
    sample = data_list[bad[0]]
    return [Problem(
        'label_range',
        f'{sample_where(path, sample)} has label {labels[bad[0]]}, outside '
        f'[0, {num_classes}) ({bad.size} such samples). Labels must be '
        '0-based class indices: fix the pickle, or set num_classes (and '
        'model.cls_head.num_classes) to cover every label.',
        indices=tuple(bad.tolist()),
        ids=tuple(data_list[i].get('frame_dir') for i in bad))]


def check_duplicate_ids(annotations: Sequence[Dict], path: str,
                        identifier: str = 'frame_dir') -> List[Problem]:
    """Samples sharing an id: splits select by id, so a duplicate is trained
    on twice and inflates its class count."""
    ids = [a.get(identifier) for a in annotations]
    seen, dups = set(), {}
    for i, name in enumerate(ids):
        if name in seen:
            dups.setdefault(name, []).append(i)
        seen.add(name)
    if not dups:
        return []
    names = list(dups)
    extra = sum(len(v) for v in dups.values())
    return [Problem(
        'duplicate_id',
        f'{path}: {len(names)} {identifier} value(s) appear more than once '
        f'({extra} extra annotation(s); first: {names[:5]}). Each sample '
        f'needs a unique {identifier} (splits and long-tail lists select by '
        'it): remove the duplicated annotations or rename them.',
        indices=tuple(i for v in dups.values() for i in v),
        ids=tuple(names))]


def _layout_problem(path: str, a: Dict, kp: np.ndarray,
                    layout: SkeletonLayout) -> Optional[Problem]:
    """Joint count, coordinate dimension and ``keypoint_score`` of one
    sample against ``layout``."""
    where = sample_where(path, a)
    V = layout.num_joints
    if kp.ndim != 4 or kp.shape[2] != V:
        return Problem(
            'joint_count',
            f'{where} has keypoints of shape {kp.shape}, but layout '
            f'{layout.name!r} needs (M, T, {V}, C). Set `layout=` (and the '
            'graph layout of the backbone) to the layout of your data.')
    dims = layout.coord_dims
    if kp.shape[3] != dims:
        kind = '3D (x, y, z)' if dims == 3 else '2D (x, y)'
        return Problem(
            'coord_dims',
            f'{where} has {kp.shape[3]}-dimensional keypoints (shape '
            f'{kp.shape}), but layout {layout.name!r} holds {kind} '
            'coordinates. Use the pickle made for this layout, or set '
            '`layout=` to the layout of your data'
            + (' (a 2D pickle keeps the confidence in "keypoint_score", not '
               'as a third coordinate)' if dims == 2 else '') + '.')
    if layout.has_score:
        score = a.get('keypoint_score')
        if score is None:
            return Problem(
                'keypoint_score',
                f'{where} has 2D keypoints but no "keypoint_score"; layout '
                f'{layout.name!r} models take (x, y, score) per joint '
                '(GenSkeFeat appends the score). Add keypoint_score of shape '
                '(M, T, V) to every annotation (ones if your detector gives '
                'none).')
        if np.shape(score) != kp.shape[:3]:
            return Problem(
                'keypoint_score',
                f'{where} has keypoint_score of shape {np.shape(score)}, but '
                f'its keypoints need {kp.shape[:3]} (M, T, V): fix the '
                'pickle.')
    return None


def check_keypoints(data_list: Sequence[Dict], path: str,
                    split: Optional[str] = None,
                    layout: Optional[SkeletonLayout] = None,
                    keypoints_elsewhere: bool = False) -> List[Problem]:
    """Per-sample keypoint checks.

    Returns, in this order: one problem per sample with a missing
    ``keypoint``, a shape that does not fit ``layout`` or is not 4-D (in
    sample order), then at most one ``'nonfinite'`` problem (NaN/inf) and one
    ``'empty'`` problem (no frames or only zeros) that list all such samples.

    Args:
        data_list (Sequence[dict]): The annotations.
        path (str): The file.
        split (str, optional): The split, for messages.
        layout (SkeletonLayout, optional): Check joint count, coordinate
            dimension and ``keypoint_score`` against it.
        keypoints_elsewhere (bool): The keypoints are loaded per sample from
            another place (mmaction's ``data_prefix=dict(skeleton=...)``), so
            an annotation without ``keypoint`` is fine.
    """
    problems, nonfinite, empty = [], [], []
    for i, a in enumerate(data_list):
        kp = a.get('keypoint')
        if kp is None:
            if not keypoints_elsewhere:
                problems.append(Problem(
                    'keypoint_missing',
                    f'{sample_where(path, a)} has no "keypoint" (its keys: '
                    f'{sorted(a)}). Every annotation needs keypoint of shape '
                    '(M, T, V, C); to load skeletons per sample instead, set '
                    "data_prefix=dict(skeleton=FOLDER) on the dataset.",
                    indices=(i,), ids=(a.get('frame_dir'),)))
            continue
        kp = np.asarray(kp)
        problem = (_layout_problem(path, a, kp, layout)
                   if layout is not None else None)
        if problem is None and kp.ndim != 4:
            problem = Problem(
                'keypoint_ndim',
                f'{sample_where(path, a)} has keypoints of shape {kp.shape}; '
                'mmaction skeletons are (M, T, V, C): fix the pickle.')
        if problem is not None:
            problems.append(Problem(problem.code, problem.message,
                                    indices=(i,), ids=(a.get('frame_dir'),)))
            continue
        if kp.shape[1] == 0 or kp.shape[0] == 0 or int(
                a.get('total_frames', 1)) == 0 or not kp.any():
            empty.append(i)
        elif not np.isfinite(kp).all():
            nonfinite.append(i)
    for bad, code, what, fix, option in (
            (nonfinite, 'nonfinite', 'NaN or infinite keypoints',
             'repair the pickle (e.g. interpolate the missing joints)',
             'nonfinite'),
            (empty, 'empty', 'no frames or only zero keypoints',
             'remove them from the pickle / the split', 'empty_samples')):
        if not bad:
            continue
        ids = [data_list[i].get('frame_dir') for i in bad]
        problems.append(Problem(
            code,
            f'{split_where(path, split)}: {len(bad)} sample(s) have {what} '
            f'(first: {ids[:5]}). Training on them fails deep in the '
            f"backbone: {fix}, or pass {option}='drop' to the dataset to "
            'skip them with a warning.',
            indices=tuple(bad), ids=tuple(ids)))
    return problems


def check_class_coverage(counts: np.ndarray, path: str,
                         split: Optional[str]) -> List[Problem]:
    """Classes without a sample (long-tail re-weighting needs every class
    in the training set)."""
    empty = np.flatnonzero(np.asarray(counts) == 0)
    if not empty.size:
        return []
    return [Problem(
        'empty_class',
        f'{split_where(path, split)}: {empty.size} of {len(counts)} classes '
        f'have no training sample (first: {empty[:5].tolist()}). Long-tail '
        're-weighting needs every class: check num_classes, the split and '
        'the long-tail list, or pass allow_empty_classes=True.',
        indices=tuple(empty.tolist()))]


def check_total_frames(data_list: Sequence[Dict],
                       path: str) -> List[Problem]:
    """``total_frames`` larger than the keypoints' ``T`` (frame samplers
    would index past the end) or missing."""
    missing, longer = [], []
    for i, a in enumerate(data_list):
        kp = a.get('keypoint')
        if 'total_frames' not in a:
            missing.append(i)
        elif kp is not None and np.ndim(kp) == 4 and int(
                a['total_frames']) > np.shape(kp)[1]:
            longer.append(i)
    problems = []
    if missing:
        problems.append(Problem(
            'total_frames',
            f'{sample_where(path, data_list[missing[0]])} has no '
            f'"total_frames" ({len(missing)} such samples); mmaction\'s frame '
            'samplers read it: add total_frames = keypoint.shape[1].',
            indices=tuple(missing),
            ids=tuple(data_list[i].get('frame_dir') for i in missing)))
    if longer:
        a = data_list[longer[0]]
        problems.append(Problem(
            'total_frames',
            f'{sample_where(path, a)} has total_frames={a["total_frames"]} '
            f'but only {np.shape(a["keypoint"])[1]} frames of keypoints '
            f'({len(longer)} such samples); the frame sampler would index '
            'past the end: set total_frames = keypoint.shape[1].',
            indices=tuple(longer),
            ids=tuple(data_list[i].get('frame_dir') for i in longer)))
    return problems


def check_splits(splits: Dict, annotations: Sequence[Dict], path: str,
                 identifier: str = 'frame_dir') -> List[Problem]:
    """Split lists that name ids without an annotation (the dataset skips
    them silently), and a ``*train`` split that shares samples with its
    ``*val`` / ``*test`` sibling (a leak into the evaluation)."""
    known = {a.get(identifier) for a in annotations}
    problems = []
    for name in sorted(splits):
        missing = [i for i in splits[name] if i not in known]
        if missing:
            problems.append(Problem(
                'split_ids',
                f'{path}: split {name!r} lists {len(missing)} of '
                f'{len(splits[name])} ids without an annotation (first: '
                f'{missing[:5]}); the dataset skips them. Remove them from '
                'the split, or add their annotations.',
                level=WARNING, ids=tuple(missing)))
    for name in sorted(splits):
        if not name.endswith('train'):
            continue
        for other in (name[:-len('train')] + 'val',
                      name[:-len('train')] + 'test'):
            if other not in splits:
                continue
            shared = sorted(set(splits[name]) & set(splits[other]))
            if shared:
                problems.append(Problem(
                    'split_overlap',
                    f'{path}: {len(shared)} sample(s) are in both {name!r} '
                    f'and {other!r} (first: {shared[:5]}); evaluating on '
                    'training samples overstates accuracy. Make the splits '
                    'disjoint.',
                    ids=tuple(shared)))
    return problems
