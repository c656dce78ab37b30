"""Pose-estimator output of a folder of videos to an mmaction 2D skeleton
pickle.

Reads, per video, one file of per-frame 2D poses:

* mmpose's ``MMPoseInferencer`` predictions (``pred_out_dir``): for a video
  a JSON list ``[{"frame_id": t, "instances": [inst, ...]}, ...]``, for an
  image a JSON list of instances, each instance
  ``{"keypoints": [[x, y], ...] (V x 2), "keypoint_scores": [...] (V),
  "bbox": [[x1, y1, x2, y2]], "bbox_score": s}`` (bbox optional). A list of
  the inferencer's result dicts (``{"predictions": [[inst, ...]]}`` per
  frame) is read too.
* rtmlib-style arrays (``keypoints, scores = Body(...)(frame)`` gives
  ``(N, V, 2)`` and ``(N, V)`` per frame): a ``.npz`` with ``keypoints``
  ``(T, N, V, 2)`` and ``scores`` ``(T, N, V)`` (persons padded with zero
  scores or NaN coordinates; optional ``bboxes`` ``(T, N, 4)`` and
  ``img_shape``), a ``.npy`` ``(T, N, V, 3)`` of (x, y, score), or a JSON
  list per frame of ``{"keypoints": (N, V, 2), "scores": (N, V)}``.

Persons are linked across frames by :func:`.tracking.track_persons` and the
``num_person`` main tracks kept by :func:`.tracking.select_tracks`; each video
becomes one annotation ``frame_dir, label, total_frames, keypoint
(M, T, V, 2) float32, keypoint_score (M, T, V) float32`` (+ ``img_shape`` /
``original_shape`` when known), absent persons as zeros like mmaction's own
2D pickles.
"""
import csv
import os
import os.path as osp
from collections import defaultdict
from typing import (Callable, Dict, Iterable, List, Optional, Sequence,
                    Tuple)

import numpy as np

from .pose_files import (POSE_EXTENSIONS, FramePoses, PoseFileError,
                         read_pose_file)
from .tracking import keypoint_boxes, select_tracks, track_persons

__all__ = [
    'PoseFileError', 'FramePoses', 'read_pose_file', 'video_annotation',
    'find_pose_files', 'seeded_splits', 'convert_pose_folder',
    'POSE_EXTENSIONS'
]


# ------------------------------------------------------------ one video
def video_annotation(frames: Sequence[FramePoses],
                     frame_dir: str,
                     label: int,
                     num_person: int = 2,
                     select: str = 'score',
                     iou_thr: float = 0.3,
                     dist_thr: float = 0.5,
                     max_gap: int = 5,
                     box_score_thr: float = 0.0,
                     img_shape: Optional[Tuple[int, int]] = None
                     ) -> Optional[Dict]:
    """Track the persons of one video and build its annotation.

    Args:
        frames (Sequence[FramePoses]): The video's frames.
        frame_dir (str): The sample id.
        label (int): Class index.
        num_person (int): Tracks kept (``M <= num_person``). Defaults to 2.
        select (str): ``'score'`` or ``'motion'``, see
            :func:`~.tracking.select_tracks`.
        iou_thr, dist_thr, max_gap: Tracking gates, see
            :func:`~.tracking.track_persons`.
        box_score_thr (float): Joints with a score above it span a person's
            box when the file gives none. Defaults to 0.
        img_shape (tuple, optional): ``(H, W)``, stored as ``img_shape`` and
            ``original_shape``.

    Returns:
        dict | None: The annotation, or None when no frame has a person.
    """
    T = len(frames)
    V = next((f.keypoints.shape[1] for f in frames if len(f.keypoints)), 0)
    boxes = []
    for f in frames:
        box = f.boxes.copy()
        missing = np.isnan(box).any(axis=1)
        if missing.any():
            box[missing] = keypoint_boxes(f.keypoints[missing],
                                          f.scores[missing], box_score_thr)
        boxes.append(box)
    ids = track_persons(boxes, iou_thr, dist_thr, max_gap)
    num_tracks = max((int(i.max()) + 1 for i in ids if i.size), default=0)
    if num_tracks == 0:
        return None
    person = np.concatenate(ids)
    time = np.repeat(np.arange(T), [len(i) for i in ids])
    keypoint = np.zeros((num_tracks, T, V, 2), np.float32)
    score = np.zeros((num_tracks, T, V), np.float32)
    keypoint[person, time] = np.concatenate(
        [f.keypoints for f in frames if len(f.keypoints)])
    score[person, time] = np.concatenate(
        [f.scores for f in frames if len(f.scores)])
    keep = select_tracks(keypoint, score, num_person, select)
    annotation = dict(frame_dir=frame_dir, label=int(label), total_frames=T,
                      keypoint=keypoint[keep], keypoint_score=score[keep])
    if img_shape is not None:
        annotation['img_shape'] = tuple(img_shape)
        annotation['original_shape'] = tuple(img_shape)
    return annotation


# ----------------------------------------------------------- a folder
def _pose_files_under(root: str, recursive: bool) -> List[str]:
    found = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        found += [osp.join(folder, f) for f in sorted(files)
                  if f.endswith(POSE_EXTENSIONS) and not f.startswith('.')]
        if not recursive:
            break
    return found


def _stem(path: str) -> str:
    return osp.splitext(osp.basename(path))[0]


def _unique_stems(paths: Iterable[str]) -> Dict[str, str]:
    by_stem = {}
    for path in paths:
        stem = _stem(path)
        if stem in by_stem:
            raise PoseFileError(
                f'two pose files are both video {stem!r}: {by_stem[stem]} and '
                f'{path}; video ids (file names without extension) must be '
                'unique: rename one.')
        by_stem[stem] = path
    return by_stem


def _read_label_csv(csv_path: str, split_column: Optional[str]
                    ) -> Dict[str, Tuple[str, Optional[str]]]:
    try:
        with open(csv_path, newline='', encoding='utf-8') as f:
            rows = list(csv.DictReader(f))
            header = rows[0].keys() if rows else []
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise PoseFileError(f'{csv_path}: not a readable CSV ({e}).') from None
    needed = ['video', 'label'] + ([split_column] if split_column else [])
    missing = [c for c in needed if c not in header]
    if not rows or missing:
        raise PoseFileError(
            f'{csv_path}: needs a header with columns {needed}; '
            + (f'it has {list(header)}.' if rows else 'it has no rows.'))
    table = {}
    for line, row in enumerate(rows, start=2):
        video = _stem((row['video'] or '').strip())
        label = (row['label'] or '').strip()
        split = (row[split_column] or '').strip() if split_column else None
        if not video or not label or split == '':
            raise PoseFileError(
                f'{csv_path} line {line}: empty ' +
                ('video' if not video else 'label' if not label else
                 split_column) + ' cell.')
        if video in table:
            raise PoseFileError(
                f'{csv_path} line {line}: video {video!r} is listed twice.')
        table[video] = (label, split)
    return table


def find_pose_files(root: str, labels_csv: Optional[str] = None,
                    split_column: Optional[str] = None,
                    skip_unlabelled: bool = False
                    ) -> Tuple[List[Dict], Optional[List[str]], List[str]]:
    """List the videos of a folder with their labels.

    Without ``labels_csv`` the class is the folder: ``root/<class>/<video>
    .json`` (classes in sorted order get labels 0, 1, ...). With it, every
    pose file under ``root`` (any depth) is looked up by its name without
    extension in the CSV's ``video`` column; ``label`` holds class names or
    0-based indices.

    Args:
        root (str): The folder.
        labels_csv (str, optional): CSV with columns ``video,label`` (and
            ``split_column``).
        split_column (str, optional): CSV column with each video's split.
        skip_unlabelled (bool): Skip pose files without a CSV row (else an
            error).

    Returns:
        tuple: ``(videos, classes, notes)``: dicts ``path, frame_dir,
        label, split``; the class names (None for index labels); messages
        about skipped files / rows.
    """
    if not osp.isdir(root):
        raise PoseFileError(f'{root}: not a folder.')
    notes = []
    if labels_csv is None:
        loose = _pose_files_under(root, recursive=False)
        if loose:
            raise PoseFileError(
                f'{root}: {len(loose)} pose file(s) directly in the folder '
                f'(first: {osp.basename(loose[0])}); put each video in '
                'root/<class>/, or give the labels with --labels CSV.')
        class_dirs = sorted(d for d in os.listdir(root)
                            if osp.isdir(osp.join(root, d)))
        per_class = {d: _pose_files_under(osp.join(root, d), False)
                     for d in class_dirs}
        classes = [d for d in class_dirs if per_class[d]]
        by_stem = _unique_stems(p for d in classes for p in per_class[d])
        label_of = {_stem(p): (i, None) for i, d in enumerate(classes)
                    for p in per_class[d]}
    else:
        table = _read_label_csv(labels_csv, split_column)
        by_stem = _unique_stems(_pose_files_under(root, recursive=True))
        unlabelled = sorted(set(by_stem) - set(table))
        if unlabelled and not skip_unlabelled:
            raise PoseFileError(
                f'{len(unlabelled)} pose file(s) under {root} have no row in '
                f'{labels_csv} (first: {unlabelled[:5]}); add them, or pass '
                '--skip-unlabelled to leave them out.')
        if unlabelled:
            notes.append(f'skipped {len(unlabelled)} pose file(s) without a '
                         f'label: {unlabelled[:10]}')
        no_file = sorted(set(table) - set(by_stem))
        if no_file:
            notes.append(f'{len(no_file)} CSV row(s) have no pose file: '
                         f'{no_file[:10]}')
        names = [table[s][0] for s in by_stem if s in table]
        if all(n.lstrip('-').isdigit() for n in names):
            negative = sorted(s for s, (lab, _) in table.items()
                              if int(lab) < 0)
            if negative:
                raise PoseFileError(
                    f'{labels_csv}: video {negative[0]!r} has label '
                    f'{table[negative[0]][0]}; index labels are 0-based '
                    'class indices (or give class names).')
            classes = None
            label_of = {s: (int(lab), split) for s, (lab, split)
                        in table.items()}
        else:
            classes = sorted(set(names))
            index = {c: i for i, c in enumerate(classes)}
            label_of = {s: (index[lab], split) for s, (lab, split)
                        in table.items() if lab in index}
    videos = [dict(path=p, frame_dir=s, label=label_of[s][0],
                   split=label_of[s][1])
              for s, p in sorted(by_stem.items()) if s in label_of]
    if not videos:
        raise PoseFileError(
            f'{root}: no pose files ({", ".join(POSE_EXTENSIONS)}) found'
            + ('' if labels_csv else ' in root/<class>/ folders') + '.')
    return videos, classes, notes


def seeded_splits(frame_dirs: Sequence[str], labels: Sequence[int],
                  val_fraction: float, seed: int = 0,
                  names: Tuple[str, str] = ('train', 'val')
                  ) -> Dict[str, List[str]]:
    """Stratified train/val split: ``round(val_fraction * n_c)`` of each
    class's samples (at most ``n_c - 1``) go to val, drawn by a seeded
    generator.

    Args:
        frame_dirs (Sequence[str]): Sample ids.
        labels (Sequence[int]): Their classes.
        val_fraction (float): In ``[0, 1)``.
        seed (int): Seed.
        names (tuple[str, str]): Split names.

    Returns:
        dict: ``{train: [...], val: [...]}`` in the order of ``frame_dirs``.
    """
    if not 0 <= val_fraction < 1:
        raise ValueError(f'val_fraction must be in [0, 1), got {val_fraction}')
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    is_val = np.zeros(len(labels), dtype=bool)
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        n_val = min(int(round(val_fraction * members.size)),
                    members.size - 1)
        is_val[rng.permutation(members)[:n_val]] = True
    return {names[0]: [f for f, v in zip(frame_dirs, is_val) if not v],
            names[1]: [f for f, v in zip(frame_dirs, is_val) if v]}


def convert_pose_folder(root: str,
                        labels_csv: Optional[str] = None,
                        split_column: Optional[str] = None,
                        val_fraction: float = 0.2,
                        seed: int = 0,
                        num_joints: int = 17,
                        take_first_joints: bool = False,
                        img_shape: Optional[Tuple[int, int]] = None,
                        skip_unlabelled: bool = False,
                        progress: Optional[Callable[[Iterable],
                                                    Iterable]] = None,
                        **annotation_kwargs) -> Tuple[Dict, List[str]]:
    """Convert a folder of per-video pose files to a skeleton pickle's
    content.

    Args:
        root (str): The folder (see :func:`find_pose_files`).
        labels_csv (str, optional): Label CSV.
        split_column (str, optional): CSV column with the splits; else a
            seeded stratified ``train`` / ``val`` split.
        val_fraction (float): Val share per class of the seeded split
            (0: a ``train`` split only).
        seed (int): Seed of the split.
        num_joints (int): Joints per person the layout needs.
        take_first_joints (bool): Keep the first ``num_joints`` joints of
            larger skeletons (COCO-WholeBody 133 and Halpe 26 begin with the
            17 COCO body joints).
        img_shape (tuple, optional): ``(H, W)`` of every video (a ``.npz``'s
            own ``img_shape`` wins).
        skip_unlabelled (bool): See :func:`find_pose_files`.
        progress (callable, optional): Wraps the iteration over videos (a
            progress bar).
        **annotation_kwargs: ``num_person``, ``select``, ``iou_thr``,
            ``dist_thr``, ``max_gap``, ``box_score_thr`` of
            :func:`video_annotation`.

    Returns:
        tuple: ``(dict(split=..., annotations=[...], classes=[...]), notes)``
        (``classes`` only with class names).
    """
    videos, classes, notes = find_pose_files(root, labels_csv, split_column,
                                             skip_unlabelled)
    annotations, splits_of, no_person = [], {}, []
    for video in (progress or iter)(videos):
        frames, own_shape = read_pose_file(video['path'])
        V = next((f.keypoints.shape[1] for f in frames if len(f.keypoints)),
                 num_joints)
        if V != num_joints:
            if not (take_first_joints and V > num_joints):
                raise PoseFileError(
                    f'{video["path"]}: persons have {V} joints, the layout '
                    f'{num_joints}. '
                    + ('Pass --take-first-joints to keep the first '
                       f'{num_joints} (COCO-WholeBody and Halpe-26 begin '
                       'with the 17 COCO body joints), or ' if V > num_joints
                       else '') + 'choose the --layout of your pose model.')
            frames = [FramePoses(f.keypoints[:, :num_joints],
                                 f.scores[:, :num_joints], f.boxes)
                      for f in frames]
        annotation = video_annotation(
            frames, video['frame_dir'], video['label'],
            img_shape=own_shape or img_shape, **annotation_kwargs)
        if annotation is None:
            no_person.append(video['frame_dir'])
            continue
        annotations.append(annotation)
        splits_of[video['frame_dir']] = video['split']
    if no_person:
        notes.append(f'skipped {len(no_person)} video(s) without any person: '
                     f'{no_person[:10]}')
    if not annotations:
        raise PoseFileError(f'{root}: no video has a detected person.')
    ids = [a['frame_dir'] for a in annotations]
    if split_column:
        splits = defaultdict(list)
        for fid in ids:
            splits[splits_of[fid]].append(fid)
        splits = dict(splits)
    else:
        splits = seeded_splits(ids, [a['label'] for a in annotations],
                               val_fraction, seed)
        if not splits['val']:
            del splits['val']
    data = dict(split=splits, annotations=annotations)
    if classes is not None:
        data['classes'] = classes
    return data, notes
