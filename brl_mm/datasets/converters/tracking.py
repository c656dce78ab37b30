"""Person tracking and selection for per-frame pose-estimator output.

A pose estimator gives, per frame, an unordered set of persons. An mmaction
skeleton sample needs persons in a fixed order across frames ``(M, T, V, C)``.
:func:`track_persons` links the detections of consecutive frames by box IoU
and centre distance (one optimal assignment per frame pair,
``scipy.optimize.linear_sum_assignment``); :func:`select_tracks` keeps the
``num_person`` tracks with the highest confidence or motion.
"""
from typing import List, Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

__all__ = ['box_iou', 'keypoint_boxes', 'track_persons', 'select_tracks']

#: Cost of a pair the gates reject (never accepted as a match).
_REJECTED = 1e6


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Intersection over union of every pair of boxes.

    Args:
        a (np.ndarray): ``(N, 4)`` boxes ``(x1, y1, x2, y2)``.
        b (np.ndarray): ``(M, 4)`` boxes.

    Returns:
        np.ndarray: ``(N, M)`` IoU in ``[0, 1]`` (0 for empty boxes).
    """
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    lo = np.maximum(a[:, None, :2], b[None, :, :2])
    hi = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.clip(hi - lo, 0, None).prod(-1)
    area_a = np.clip(a[:, 2:] - a[:, :2], 0, None).prod(-1)
    area_b = np.clip(b[:, 2:] - b[:, :2], 0, None).prod(-1)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def keypoint_boxes(keypoints: np.ndarray, scores: np.ndarray,
                   score_thr: float = 0.0) -> np.ndarray:
    """Boxes around each person's joints with a score above ``score_thr``
    (all joints for a person with none above it).

    Args:
        keypoints (np.ndarray): ``(N, V, 2)``.
        scores (np.ndarray): ``(N, V)``.
        score_thr (float): Joints at or below it are ignored.

    Returns:
        np.ndarray: ``(N, 4)`` boxes ``(x1, y1, x2, y2)``.
    """
    keypoints = np.asarray(keypoints, dtype=np.float64)
    visible = np.asarray(scores) > score_thr
    visible |= ~visible.any(axis=1, keepdims=True)
    lo = np.where(visible[..., None], keypoints, np.inf).min(axis=1)
    hi = np.where(visible[..., None], keypoints, -np.inf).max(axis=1)
    return np.concatenate([lo, hi], axis=1).reshape(-1, 4)


def _centres(boxes: np.ndarray) -> np.ndarray:
    return (boxes[:, :2] + boxes[:, 2:]) / 2


def track_persons(boxes: Sequence[np.ndarray],
                  iou_thr: float = 0.3,
                  dist_thr: float = 0.5,
                  max_gap: int = 5) -> List[np.ndarray]:
    """Give every detection of every frame a track id.

    For each frame, the tracks seen in the last ``max_gap`` frames are
    matched to the frame's detections by one optimal assignment (Hungarian)
    on the cost ``(1 - IoU) + d``, where ``d`` is the distance of the box
    centres divided by the diagonal of the track's last box. A pair is only
    matched when ``IoU >= iou_thr`` or ``d <= dist_thr``; unmatched
    detections start new tracks.

    Args:
        boxes (Sequence[np.ndarray]): Per frame, the ``(N_t, 4)`` person
            boxes ``(x1, y1, x2, y2)`` (``N_t`` may be 0).
        iou_thr (float): IoU that links two boxes. Defaults to 0.3.
        dist_thr (float): Centre distance, in diagonals of the track's box,
            that links two boxes. Defaults to 0.5.
        max_gap (int): Frames a track may go unseen and still be continued.
            Defaults to 5.

    Returns:
        list[np.ndarray]: Per frame, the ``(N_t,)`` int64 track ids
        (0, 1, ... in order of first appearance).
    """
    last_box = np.zeros((0, 4))
    last_seen = np.zeros(0, dtype=np.int64)
    ids = []
    for t, frame in enumerate(boxes):
        frame = np.asarray(frame, dtype=np.float64).reshape(-1, 4)
        assign = np.full(len(frame), -1, dtype=np.int64)
        alive = np.flatnonzero(t - last_seen <= max_gap)
        if len(frame) and alive.size:
            prev = last_box[alive]
            iou = box_iou(prev, frame)
            diag = np.hypot(*(prev[:, 2:] - prev[:, :2]).T)
            dist = np.linalg.norm(
                _centres(prev)[:, None] - _centres(frame)[None], axis=-1
            ) / np.maximum(diag, 1e-6)[:, None]
            linked = (iou >= iou_thr) | (dist <= dist_thr)
            cost = np.where(linked, 1 - iou + dist, _REJECTED)
            rows, cols = linear_sum_assignment(cost)
            ok = linked[rows, cols]
            assign[cols[ok]] = alive[rows[ok]]
        new = np.flatnonzero(assign < 0)
        assign[new] = len(last_box) + np.arange(new.size)
        last_box = np.concatenate([last_box, np.zeros((new.size, 4))])
        last_seen = np.concatenate(
            [last_seen, np.zeros(new.size, dtype=np.int64)])
        last_box[assign] = frame
        last_seen[assign] = t
        ids.append(assign)
    return ids


def select_tracks(keypoint: np.ndarray, keypoint_score: np.ndarray,
                  num_person: int, by: str = 'score') -> np.ndarray:
    """Indices of the ``num_person`` main tracks, best first.

    Args:
        keypoint (np.ndarray): ``(P, T, V, 2)`` keypoints of all tracks
            (zeros where a track is absent).
        keypoint_score (np.ndarray): ``(P, T, V)`` scores (zeros where
            absent).
        num_person (int): Tracks to keep.
        by (str): ``'score'`` ranks by the sum over frames of the mean joint
            score (long, confident tracks first); ``'motion'`` by the sum
            over consecutive frames of the score-weighted mean joint
            displacement (the actors before still bystanders).

    Returns:
        np.ndarray: Up to ``num_person`` track indices (ties keep the order
        of first appearance).
    """
    if by == 'score':
        value = keypoint_score.mean(-1).sum(-1)
    elif by == 'motion':
        weight = np.minimum(keypoint_score[:, 1:], keypoint_score[:, :-1])
        step = np.linalg.norm(keypoint[:, 1:] - keypoint[:, :-1], axis=-1)
        per_frame = (weight * step).sum(-1) / np.maximum(weight.sum(-1),
                                                         1e-12)
        value = per_frame.sum(-1)
    else:
        raise ValueError(f"select_tracks: by must be 'score' or 'motion', "
                         f'got {by!r}')
    return np.argsort(-value, kind='stable')[:num_person]
