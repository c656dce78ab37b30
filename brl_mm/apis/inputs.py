"""Skeleton inputs for inference: mmaction skeleton pickles, ``.npy`` /
``.npz`` arrays and pose-estimator JSON (mmpose inferencer ``predictions``).

Every reader returns :class:`SkeletonInput` samples with ``(M, T, V, C)``
keypoints; problems raise :class:`SkeletonInputError` naming the file and
the fix.

The JSON reader is the data tooling's (``tools/data/pose_json_to_pkl.py``):
persons are tracked across frames and the ``num_person`` main tracks kept.
"""
import os.path as osp
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import numpy as np

__all__ = [
    'SkeletonInputError', 'SkeletonInput', 'read_skeleton_inputs',
    'read_skeleton_pickle', 'read_array_file', 'read_pose_json'
]

#: File endings each reader accepts.
INPUT_SUFFIXES = ('.pkl', '.pickle', '.npy', '.npz', '.json')


class SkeletonInputError(ValueError):
    """An input file that cannot be read as skeletons (the message names the
    file and the fix)."""


@dataclass
class SkeletonInput:
    """One sample to recognize.

    Attributes:
        name (str): The sample's name (``frame_dir``, else the file stem).
        keypoint (np.ndarray): ``(M, T, V, C)`` float32.
        keypoint_score (np.ndarray, optional): ``(M, T, V)`` float32.
        label (int, optional): The true label, if the input has one.
        img_shape (tuple, optional): ``(h, w)`` of the video, if known.
        source (str): The file it came from.
    """

    name: str
    keypoint: np.ndarray
    keypoint_score: Optional[np.ndarray] = None
    label: Optional[int] = None
    img_shape: Optional[Tuple[int, int]] = None
    source: str = ''


def _stem(path: str) -> str:
    return osp.splitext(osp.basename(path))[0]


def read_skeleton_pickle(path: str,
                         split: Optional[str] = None,
                         ids: Optional[Sequence[str]] = None
                         ) -> Tuple[List[SkeletonInput], Optional[List[str]]]:
    """Samples of an mmaction skeleton pickle.

    Args:
        path (str): ``dict(split=..., annotations=[...][, classes=...])`` or
            a list of annotations.
        split (str, optional): Only the samples of this split.
        ids (Sequence[str], optional): Only these ``frame_dir`` s (in this
            order).

    Returns:
        tuple: The samples and the pickle's class names (or None).
    """
    from brl_mm.datasets.lt_pose_dataset import load_skeleton_pickle
    if not osp.isfile(path):
        raise SkeletonInputError(f'input {path} does not exist')
    try:
        raw = load_skeleton_pickle(path)
    except ValueError as error:  # corrupt or truncated
        raise SkeletonInputError(str(error)) from error
    if isinstance(raw, dict):
        annotations = raw.get('annotations')
        splits, classes = raw.get('split') or {}, raw.get('classes')
    else:
        annotations, splits, classes = raw, {}, None
    if not isinstance(annotations, list) or not annotations:
        raise SkeletonInputError(
            f'{path} holds no annotations: an mmaction skeleton pickle is '
            'dict(split=..., annotations=[...]) or a list of annotations')
    if split is not None:
        if split not in splits:
            raise SkeletonInputError(
                f'{path} has no split {split!r}; its splits: '
                f'{sorted(splits)}')
        keep = set(splits[split])
        annotations = [a for a in annotations if a.get('frame_dir') in keep]
    if ids:
        by_id = {a.get('frame_dir'): a for a in annotations}
        missing = [i for i in ids if i not in by_id]
        if missing:
            raise SkeletonInputError(
                f'{path}: no sample {missing[0]!r}' +
                (f' in split {split!r}' if split else '') +
                f' ({len(missing)} of the requested ids are missing)')
        annotations = [by_id[i] for i in ids]
    samples = []
    for i, ann in enumerate(annotations):
        if 'keypoint' not in ann:
            raise SkeletonInputError(
                f'{path}: annotation {i} ({ann.get("frame_dir", "?")}) has '
                'no "keypoint" array')
        label = ann.get('label')
        samples.append(SkeletonInput(
            name=str(ann.get('frame_dir', f'{_stem(path)}_{i}')),
            keypoint=np.asarray(ann['keypoint'], dtype=np.float32),
            keypoint_score=(np.asarray(ann['keypoint_score'],
                                       dtype=np.float32)
                            if ann.get('keypoint_score') is not None
                            else None),
            label=int(label) if label is not None else None,
            img_shape=tuple(ann['img_shape']) if 'img_shape' in ann
            else None,
            source=path))
    return samples, list(classes) if classes is not None else None


def read_array_file(path: str) -> SkeletonInput:
    """One sample from ``.npy`` (``(M, T, V, C)`` or ``(T, V, C)``) or
    ``.npz`` (``keypoint`` [+ ``keypoint_score``, ``img_shape``]); nothing
    is unpickled."""
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise SkeletonInputError(
            f'{path} is not a readable numpy file ({error}); save the '
            'keypoints with np.save(path, array) as a float (M, T, V, C) '
            'array') from error
    score, img_shape = None, None
    if isinstance(data, np.lib.npyio.NpzFile):
        with data:
            if 'keypoint' not in data.files:
                raise SkeletonInputError(
                    f'{path} has arrays {data.files} but no "keypoint" '
                    '(M, T, V, C) (optional "keypoint_score" (M, T, V))')
            keypoint = data['keypoint']
            if 'keypoint_score' in data.files:
                score = data['keypoint_score'].astype(np.float32)
            if 'img_shape' in data.files:
                img_shape = tuple(int(s) for s in data['img_shape'])
    else:
        keypoint = data
    if keypoint.dtype.kind not in 'fiu' or keypoint.ndim not in (3, 4):
        raise SkeletonInputError(
            f'{path}: keypoints must be a numeric (M persons, T frames, V '
            f'joints, C coords) or (T, V, C) array, got {keypoint.dtype} '
            f'{keypoint.shape}')
    keypoint = keypoint.astype(np.float32)
    if keypoint.ndim == 3:
        keypoint = keypoint[None]
    return SkeletonInput(_stem(path), keypoint, score, img_shape=img_shape,
                         source=path)


def read_pose_json(path: str, num_person: int = 2) -> SkeletonInput:
    """One 2D sample from an mmpose inferencer ``predictions`` JSON.

    The file is read and its persons are tracked across frames by the data
    tooling (:func:`brl_mm.datasets.converters.read_pose_file` and
    :func:`~brl_mm.datasets.converters.video_annotation`, as
    ``tools/data/pose_json_to_pkl.py`` does), keeping the ``num_person``
    main tracks.

    Args:
        path (str): The JSON file of one video (or image).
        num_person (int): Persons kept. Defaults to 2.

    Returns:
        SkeletonInput: ``(M, T, V, 2)`` keypoints and ``(M, T, V)`` scores;
        absent persons are zeros.
    """
    from brl_mm.datasets.converters import (PoseFileError, read_pose_file,
                                            video_annotation)
    try:
        frames, img_shape = read_pose_file(path)
    except PoseFileError as error:
        raise SkeletonInputError(str(error)) from error
    annotation = video_annotation(frames, _stem(path), label=-1,
                                  num_person=num_person, img_shape=img_shape)
    if annotation is None:
        raise SkeletonInputError(f'{path}: no person in any frame')
    return SkeletonInput(_stem(path), annotation['keypoint'],
                         annotation['keypoint_score'], img_shape=img_shape,
                         source=path)


def read_skeleton_inputs(path: str,
                         split: Optional[str] = None,
                         ids: Optional[Sequence[str]] = None,
                         num_person: int = 2
                         ) -> Tuple[List[SkeletonInput], Optional[List[str]]]:
    """Samples of any supported input file (by its ending).

    Args:
        path (str): ``.pkl`` / ``.pickle`` (skeleton pickle), ``.npy`` /
            ``.npz`` (one array sample), ``.json`` (mmpose predictions).
        split (str, optional): Pickles only: the split to read.
        ids (Sequence[str], optional): Pickles only: the samples to read.
        num_person (int): JSON only: persons per frame.

    Returns:
        tuple: The samples and the class names the file carries (pickles
        with ``classes``), else None.
    """
    if not osp.isfile(path):
        raise SkeletonInputError(f'input {path} does not exist')
    suffix = osp.splitext(path)[1].lower()
    if suffix not in INPUT_SUFFIXES:
        raise SkeletonInputError(
            f'{path}: unknown input type {suffix!r}; give a skeleton pickle '
            '(.pkl), a keypoint array (.npy / .npz) or an mmpose '
            'predictions file (.json)')
    if (split or ids) and suffix not in ('.pkl', '.pickle'):
        raise SkeletonInputError(f'{path}: --split / --ids select samples '
                                 'of a skeleton pickle only')
    if suffix in ('.pkl', '.pickle'):
        return read_skeleton_pickle(path, split, ids)
    if suffix == '.json':
        return [read_pose_json(path, num_person)], None
    return [read_array_file(path)], None
