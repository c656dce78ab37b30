"""Reading one video's pose-estimator output: mmpose ``MMPoseInferencer``
JSON and rtmlib-style arrays (``.npz`` / ``.npy`` / JSON) to per-frame
:class:`FramePoses` (the formats are listed in :mod:`.pose_json`, which
turns them into annotations)."""
import json
from typing import Dict, List, NamedTuple, Optional, Tuple

import numpy as np

__all__ = ['PoseFileError', 'FramePoses', 'read_pose_file', 'POSE_EXTENSIONS']

#: File types read as the poses of one video.
POSE_EXTENSIONS = ('.json', '.npz', '.npy')


class PoseFileError(ValueError):
    """A pose file, a label CSV or a folder that cannot be converted; the
    message names the file (and frame) and the fix."""


class FramePoses(NamedTuple):
    """The persons of one frame.

    Args:
        keypoints (np.ndarray): ``(N, V, 2)`` float32.
        scores (np.ndarray): ``(N, V)`` float32.
        boxes (np.ndarray): ``(N, 4)`` ``(x1, y1, x2, y2)``; NaN rows where
            the file gives no box (then the joints' box is used).
    """

    keypoints: np.ndarray
    scores: np.ndarray
    boxes: np.ndarray


# ------------------------------------------------------------ reading
def _as_array(value, path: str, where: str, what: str,
              ndim: Optional[int]) -> np.ndarray:
    """``value`` as a finite float array of ``ndim`` dims (any with None),
    or a PoseFileError."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise PoseFileError(
            f'{path}: {where}: {what} is not a numeric array (ragged or '
            'non-numeric lists); fix or re-export this file.') from None
    if ndim is not None and arr.ndim != ndim:
        raise PoseFileError(
            f'{path}: {where}: {what} has shape {arr.shape}, expected '
            f'{ndim} dims; fix or re-export this file.')
    if not np.isfinite(arr).all():
        raise PoseFileError(
            f'{path}: {where}: {what} holds NaN or infinite values; fix or '
            're-export this file.')
    return arr


def _frame_label(frame, t: int) -> str:
    if isinstance(frame, dict) and 'frame_id' in frame:
        return f'frame {t} (frame_id {frame["frame_id"]})'
    return f'frame {t}'


def _mmpose_instances(instances, path: str, where: str) -> tuple:
    """``(keypoints (N, V, 2), scores (N, V), boxes (N, 4))`` of a list of
    mmpose instance dicts."""
    if not isinstance(instances, list):
        raise PoseFileError(
            f'{path}: {where}: expected a list of instances, got '
            f'{type(instances).__name__}.')
    kps, scores, boxes = [], [], []
    for j, inst in enumerate(instances):
        at = f'{where} instance {j}'
        if not isinstance(inst, dict) or 'keypoints' not in inst:
            raise PoseFileError(
                f'{path}: {at}: expected a dict with "keypoints" and '
                '"keypoint_scores" (mmpose\'s prediction format), got '
                + (f'keys {sorted(inst)}' if isinstance(inst, dict) else
                   type(inst).__name__) + '.')
        kp = _as_array(inst['keypoints'], path, at, '"keypoints"', 2)
        if kp.shape[1] != 2:
            raise PoseFileError(
                f'{path}: {at}: "keypoints" has shape {kp.shape}, expected '
                '(V, 2) [x, y] per joint; this converter makes 2D pickles '
                '(a 3D pose estimator\'s output does not fit).')
        if 'keypoint_scores' not in inst:
            raise PoseFileError(
                f'{path}: {at}: no "keypoint_scores"; give one score per '
                'joint (ones if your estimator has none).')
        score = _as_array(inst['keypoint_scores'], path, at,
                          '"keypoint_scores"', 1)
        if len(score) != len(kp):
            raise PoseFileError(
                f'{path}: {at}: {len(kp)} keypoints but {len(score)} '
                'keypoint_scores.')
        box = np.full(4, np.nan)
        if inst.get('bbox') is not None:
            flat = _as_array(inst['bbox'], path, at, '"bbox"',
                             None).reshape(-1)
            if flat.size not in (4, 5):
                raise PoseFileError(
                    f'{path}: {at}: "bbox" has {flat.size} numbers, expected '
                    '[x1, y1, x2, y2].')
            box = flat[:4]
        kps.append(kp)
        scores.append(score)
        boxes.append(box)
    return kps, scores, boxes


def _rtmlib_frame(frame: dict, path: str, where: str) -> tuple:
    if isinstance(frame['keypoints'], list) and not frame['keypoints']:
        return [], [], []
    kp = _as_array(frame['keypoints'], path, where, '"keypoints"', 3)
    score = _as_array(frame['scores'], path, where, '"scores"', 2)
    if kp.shape[2] != 2 or score.shape != kp.shape[:2]:
        raise PoseFileError(
            f'{path}: {where}: "keypoints" {kp.shape} and "scores" '
            f'{score.shape} must be (N, V, 2) and (N, V).')
    boxes = np.full((len(kp), 4), np.nan)
    if frame.get('bboxes') is not None:
        boxes = _as_array(frame['bboxes'], path, where, '"bboxes"', 2)[:, :4]
    return list(kp), list(score), list(boxes)


def _json_frames(data, path: str) -> List[tuple]:
    """Per frame ``(keypoints, scores, boxes)`` lists from a JSON file."""
    if isinstance(data, dict) and 'predictions' in data:
        data = data['predictions']
    if not isinstance(data, list):
        raise PoseFileError(
            f'{path}: expected a JSON list of frames (mmpose video '
            'predictions: [{"frame_id": 0, "instances": [...]}, ...]), got '
            f'a {type(data).__name__}.')
    if not data:
        raise PoseFileError(f'{path}: holds no frames.')
    if all(isinstance(f, dict) and 'keypoint_scores' in f for f in data):
        return [_mmpose_instances(data, path, 'frame 0')]  # one image
    frames = []
    for t, frame in enumerate(data):
        where = _frame_label(frame, t)
        if isinstance(frame, dict) and 'instances' in frame:
            frames.append(_mmpose_instances(frame['instances'], path, where))
        elif isinstance(frame, dict) and 'predictions' in frame:
            pred = frame['predictions']
            if (isinstance(pred, list) and len(pred) == 1
                    and isinstance(pred[0], list)):
                pred = pred[0]  # the inferencer's batch of one
            frames.append(_mmpose_instances(pred, path, where))
        elif isinstance(frame, dict) and 'keypoints' in frame:
            if 'scores' not in frame:
                raise PoseFileError(
                    f'{path}: {where}: "keypoints" without "scores" (rtmlib '
                    'style is {"keypoints": (N, V, 2), "scores": (N, V)}).')
            frames.append(_rtmlib_frame(frame, path, where))
        elif isinstance(frame, list):
            frames.append(_mmpose_instances(frame, path, where))
        else:
            raise PoseFileError(
                f'{path}: {where}: expected {{"frame_id", "instances"}} '
                '(mmpose), {"keypoints", "scores"} (rtmlib) or a list of '
                'instances, got '
                + (f'keys {sorted(frame)}' if isinstance(frame, dict) else
                   type(frame).__name__) + '.')
    return frames


def _padded_frames(keypoints: np.ndarray, scores: np.ndarray,
                   boxes: Optional[np.ndarray], path: str) -> List[tuple]:
    """Per frame lists from padded ``(T, N, V, 2)`` / ``(T, N, V)`` arrays;
    a person with all-zero scores or all-NaN coordinates is absent."""
    if keypoints.ndim != 4 or keypoints.shape[-1] != 2 or \
            scores.shape != keypoints.shape[:3]:
        raise PoseFileError(
            f'{path}: keypoints {keypoints.shape} and scores {scores.shape} '
            'must be (T, N, V, 2) and (T, N, V) (N persons per frame, '
            'padded).')
    absent = np.isnan(keypoints).all(axis=(2, 3)) | ~(scores > 0).any(-1)
    present = ~absent
    bad = present[..., None, None] & ~np.isfinite(keypoints)
    bad = bad.any(axis=(1, 2, 3)) | (present[..., None]
                                     & ~np.isfinite(scores)).any(axis=(1, 2))
    if bad.any():
        raise PoseFileError(
            f'{path}: frame {int(np.flatnonzero(bad)[0])}: a person has NaN '
            'or infinite keypoints or scores (NaN is only read as "absent" '
            'for a whole padded person); fix or re-export this file.')
    if boxes is None:
        boxes = np.full(keypoints.shape[:2] + (4, ), np.nan)
    elif boxes.ndim != 3 or boxes.shape[:2] != keypoints.shape[:2] or \
            boxes.shape[2] < 4:
        raise PoseFileError(
            f'{path}: bboxes {boxes.shape} must be (T, N, 4) like the '
            f'keypoints {keypoints.shape[:2]} (T, N).')
    return [(list(keypoints[t][present[t]]), list(scores[t][present[t]]),
             list(boxes[t][present[t]][:, :4])) for t in range(len(keypoints))]


def _load_arrays(path: str) -> Dict[str, np.ndarray]:
    """The arrays of a ``.npy`` (as ``'array'``) or ``.npz``, without
    unpickling anything."""
    try:
        loaded = np.load(path, allow_pickle=False)
        if isinstance(loaded, np.ndarray):
            return dict(array=loaded)
        with loaded:
            return {k: loaded[k] for k in loaded.files}
    except ValueError as e:
        raise PoseFileError(
            f'{path}: could not be read without pickle ({e}); save padded '
            'numeric arrays (T, N, V, 2) / (T, N, V), not lists of arrays.'
        ) from None
    except (OSError, EOFError) as e:
        raise PoseFileError(f'{path}: could not be read ({e}).') from None


def _array_frames(path: str) -> Tuple[List[tuple], Optional[tuple]]:
    arrays = _load_arrays(path)
    if 'array' in arrays and path.endswith('.npy'):
        array = arrays['array']
        if array.ndim != 4 or array.shape[-1] != 3:
            raise PoseFileError(
                f'{path}: a .npy pose file is (T, N, V, 3) of (x, y, score), '
                f'got shape {array.shape}.')
        return _padded_frames(array[..., :2].astype(np.float64),
                              array[..., 2].astype(np.float64), None,
                              path), None
    score_key = next((k for k in ('scores', 'keypoint_scores',
                                  'keypoint_score') if k in arrays), None)
    kp_key = next((k for k in ('keypoints', 'keypoint') if k in arrays), None)
    if kp_key is None or score_key is None:
        raise PoseFileError(
            f'{path}: a .npz pose file needs "keypoints" (T, N, V, 2) and '
            f'"scores" (T, N, V); it has {sorted(arrays)}.')
    boxes = arrays.get('bboxes')
    img_shape = (tuple(int(v) for v in arrays['img_shape'][:2])
                 if 'img_shape' in arrays else None)
    return _padded_frames(
        arrays[kp_key].astype(np.float64),
        arrays[score_key].astype(np.float64),
        None if boxes is None else boxes.astype(np.float64), path), img_shape


def read_pose_file(path: str) -> Tuple[List[FramePoses], Optional[tuple]]:
    """Read the per-frame poses of one video.

    Args:
        path (str): A ``.json``, ``.npz`` or ``.npy`` file (see the module
            docstring for the formats).

    Returns:
        tuple: ``(frames, img_shape)``: one :class:`FramePoses` per frame
        (``N`` may be 0) and ``(H, W)`` when the file gives it, else None.

    Raises:
        PoseFileError: On a malformed file, naming the file and the frame.
    """
    if path.endswith('.json'):
        try:
            with open(path, encoding='utf-8') as f:
                data = json.load(f)
        except (OSError, UnicodeDecodeError, ValueError) as e:
            raise PoseFileError(
                f'{path}: not readable JSON ({e}); re-export it.') from None
        raw, img_shape = _json_frames(data, path), None
    else:
        raw, img_shape = _array_frames(path)
    counts = [(t, len(kp)) for t, (kps, _, _) in enumerate(raw)
              for kp in kps]
    V = counts[0][1] if counts else 0
    odd = next(((t, n) for t, n in counts if n != V), None)
    if odd is not None:
        raise PoseFileError(
            f'{path}: frame {odd[0]}: a person has {odd[1]} joints, earlier '
            f'ones {V}; one file must come from one pose model.')
    frames = []
    for kps, scores, boxes in raw:
        n = len(kps)
        frames.append(FramePoses(
            np.asarray(kps, np.float32).reshape(n, V, 2),
            np.asarray(scores, np.float32).reshape(n, V),
            np.asarray(boxes, np.float64).reshape(n, 4)))
    return frames, img_shape
