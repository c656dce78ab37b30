"""Read the official NTU RGB+D 60/120 ``.skeleton`` text files.

File format (Kinect v2, one file per sample ``SsssCcccPpppRrrrAaaa``)::

    <number of frames>
    per frame:  <number of bodies>
      per body: <bodyID> <clippedEdges> <handLeftConfidence> <handLeftState>
                <handRightConfidence> <handRightState> <isRestricted>
                <leanX> <leanY> <trackingState>
                <number of joints (25)>
        per joint: <x> <y> <z> <depthX> <depthY> <colorX> <colorY>
                   <orientationW> <orientationX> <orientationY>
                   <orientationZ> <trackingState>

Denoising (the usual reduction to at most two persons, after the standard
NTU preprocessing): bodies are grouped by ``bodyID`` into tracks; tracks
shorter than ``min_track_len`` frames are dropped as noise, and so are
tracks whose skeleton is wider than tall (x spread over the joints >
``spread_ratio`` x the y spread: a misdetected object) in more than
``max_noisy_share`` of their frames (each rule applies unless nothing else is
left); the ``max_bodies`` tracks with the largest motion (sum over joints of
the per-coordinate variance over their frames that pass the spread test) are
kept, the most active one in slot 0; frames in which none of the kept bodies
is present are dropped. A kept body that is absent in a remaining frame is
zero there.
"""
import os.path as osp
import re
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

__all__ = [
    'NTU60_TRAIN_SUBJECTS', 'NTU120_TRAIN_SUBJECTS', 'parse_skeleton_text',
    'denoise_bodies', 'parse_sample_name', 'skeleton_file_to_annotation',
    'official_splits'
]

#: Training subjects of the NTU RGB+D 60 cross-subject benchmark.
NTU60_TRAIN_SUBJECTS = (1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19, 25, 27,
                        28, 31, 34, 35, 38)
#: Training subjects of the NTU RGB+D 120 cross-subject benchmark.
NTU120_TRAIN_SUBJECTS = NTU60_TRAIN_SUBJECTS + (
    45, 46, 47, 49, 50, 52, 53, 54, 55, 56, 57, 58, 59, 70, 74, 78, 80, 81,
    82, 83, 84, 85, 86, 89, 91, 92, 93, 94, 95, 97, 98, 100, 103)
#: Cameras of the cross-view training split.
XVIEW_TRAIN_CAMERAS = (2, 3)

_NAME = re.compile(r'S(\d{3})C(\d{3})P(\d{3})R(\d{3})A(\d{3})')
_BODY_FIELDS = 10
_JOINT_FIELDS = 12


def parse_skeleton_text(text: str, source: str = '<text>'
                        ) -> List[List[Tuple[str, np.ndarray]]]:
    """Parse the content of one ``.skeleton`` file.

    Args:
        text (str): File content.
        source (str): Name used in error messages.

    Returns:
        list: One entry per frame: a list of ``(bodyID, xyz)`` with ``xyz``
        a float32 array of shape (num_joints, 3).
    """
    tokens = text.split()
    pos = 0

    def take(count: int, what: str) -> List[str]:
        nonlocal pos
        if pos + count > len(tokens):
            raise ValueError(f'{source}: file ends inside {what} '
                             f'(token {pos}); is it truncated?')
        out = tokens[pos:pos + count]
        pos += count
        return out

    def take_int(what: str) -> int:
        value = take(1, what)[0]
        try:
            return int(value)
        except ValueError:
            raise ValueError(f'{source}: expected an integer {what} at token '
                             f'{pos - 1}, got {value!r}') from None

    frames = []
    for _ in range(take_int('the frame count')):
        bodies = []
        for _ in range(take_int('a body count')):
            body_id = take(_BODY_FIELDS, 'a body header')[0]
            num_joints = take_int('a joint count')
            values = take(num_joints * _JOINT_FIELDS, 'joint rows')
            joints = np.asarray(values, dtype=np.float32).reshape(
                num_joints, _JOINT_FIELDS)
            bodies.append((body_id, joints[:, :3].copy()))
        frames.append(bodies)
    if pos != len(tokens):
        raise ValueError(f'{source}: {len(tokens) - pos} tokens after the '
                         'last frame; the frame/body counts do not match')
    return frames


def denoise_bodies(frames: Sequence[Sequence[Tuple[str, np.ndarray]]],
                   max_bodies: int = 2,
                   min_track_len: int = 11,
                   num_joints: int = 25,
                   spread_ratio: Optional[float] = 0.8,
                   max_noisy_share: float = 0.69754) -> np.ndarray:
    """Reduce parsed frames to a (M, T, V, 3) keypoint array.

    See the module docstring for the rules.

    Args:
        frames: Output of :func:`parse_skeleton_text`.
        max_bodies (int): Persons kept (M). Defaults to 2.
        min_track_len (int): Tracks with fewer frames are noise (ignored
            unless no longer track exists). Defaults to 11.
        num_joints (int): Joints per body (V). Defaults to 25.
        spread_ratio (float, optional): A frame of a body is noisy when its
            x spread exceeds ``spread_ratio`` times its y spread. None turns
            the spread test off. Defaults to 0.8 (the standard NTU value).
        max_noisy_share (float): Tracks with a larger share of noisy frames
            are noise. Defaults to 0.69754 (the standard NTU value).

    Returns:
        np.ndarray: float32 array (M, T, V, 3); T may be 0 when no frame has
        a body.
    """
    tracks: Dict[str, Dict[int, np.ndarray]] = {}
    for t, bodies in enumerate(frames):
        for body_id, xyz in bodies:
            if xyz.shape != (num_joints, 3):
                raise ValueError(f'body {body_id} has {xyz.shape[0]} joints '
                                 f'in frame {t}, expected {num_joints}')
            tracks.setdefault(body_id, {})[t] = xyz
    out = np.zeros((max_bodies, 0, num_joints, 3), dtype=np.float32)
    if not tracks:
        return out
    long_tracks = {k: v for k, v in tracks.items() if len(v) >= min_track_len}
    tracks = long_tracks or tracks
    noisy = {k: _noisy_frames(v, spread_ratio) for k, v in tracks.items()}
    upright = {k: v for k, v in tracks.items()
               if noisy[k].mean() <= max_noisy_share}
    tracks = upright or tracks

    def motion(body_id: str) -> float:
        stacked = np.stack(list(tracks[body_id].values()))  # T_b, V, 3
        valid = stacked[~noisy[body_id]]
        return float((valid if len(valid) else stacked).var(axis=0).sum())

    ranked = sorted(tracks, key=lambda k: (-motion(k), -len(tracks[k]), k))
    kept = ranked[:max_bodies]
    keypoint = np.zeros((max_bodies, len(frames), num_joints, 3),
                        dtype=np.float32)
    present = np.zeros(len(frames), dtype=bool)
    for slot, body_id in enumerate(kept):
        times = np.fromiter(tracks[body_id], dtype=np.int64)
        keypoint[slot, times] = np.stack(list(tracks[body_id].values()))
        present[times] = True
    return keypoint[:, present]


def _noisy_frames(track: Dict[int, np.ndarray],
                  spread_ratio: Optional[float]) -> np.ndarray:
    """Per frame of a track: x spread > ``spread_ratio`` x y spread."""
    stacked = np.stack(list(track.values()))  # T_b, V, 3
    if spread_ratio is None:
        return np.zeros(len(stacked), dtype=bool)
    spread = stacked.max(axis=1) - stacked.min(axis=1)  # T_b, 3
    return spread[:, 0] > spread_ratio * spread[:, 1]


def parse_sample_name(name: str) -> Dict[str, int]:
    """Setup, camera, performer, replication and action of a sample name.

    Args:
        name (str): ``SsssCcccPpppRrrrAaaa`` (optionally a path, with
            ``.skeleton``).

    Returns:
        dict: ``setup``, ``camera``, ``subject``, ``replication``,
        ``action`` (1-based, as in the name).
    """
    match = _NAME.search(osp.basename(name))
    if match is None:
        raise ValueError(f'{name!r} is not an NTU sample name '
                         '(SsssCcccPpppRrrrAaaa)')
    keys = ('setup', 'camera', 'subject', 'replication', 'action')
    return dict(zip(keys, map(int, match.groups())))


def skeleton_file_to_annotation(path: str,
                                max_bodies: int = 2,
                                min_track_len: int = 11) -> Optional[dict]:
    """Read and denoise one ``.skeleton`` file into an mmaction annotation.

    Args:
        path (str): The file.
        max_bodies (int): Persons kept. Defaults to 2.
        min_track_len (int): See :func:`denoise_bodies`. Defaults to 11.

    Returns:
        dict | None: ``frame_dir``, ``label`` (action - 1),
        ``total_frames`` and ``keypoint`` (M, T, 25, 3) float32; None when
        no frame has a body.
    """
    frame_dir = osp.basename(path).split('.')[0]
    label = parse_sample_name(frame_dir)['action'] - 1
    with open(path) as f:
        frames = parse_skeleton_text(f.read(), source=path)
    keypoint = denoise_bodies(frames, max_bodies, min_track_len)
    if keypoint.shape[1] == 0:
        return None
    return dict(frame_dir=frame_dir, label=label,
                total_frames=int(keypoint.shape[1]), keypoint=keypoint)


def official_splits(frame_dirs: Iterable[str],
                    dataset: str = 'ntu60') -> Dict[str, List[str]]:
    """The official benchmark splits of a list of sample names.

    Args:
        frame_dirs (Iterable[str]): Sample names.
        dataset (str): ``'ntu60'`` (``xsub_*``, ``xview_*``) or
            ``'ntu120'`` (``xsub_*``, ``xset_*``).

    Returns:
        dict: Split name -> sample names (input order).
    """
    if dataset not in ('ntu60', 'ntu120'):
        raise ValueError(f"dataset must be 'ntu60' or 'ntu120', got "
                         f'{dataset!r}')
    subjects = set(NTU60_TRAIN_SUBJECTS if dataset == 'ntu60' else
                   NTU120_TRAIN_SUBJECTS)
    names = list(frame_dirs)
    info = [parse_sample_name(n) for n in names]
    is_train = {'xsub': [i['subject'] in subjects for i in info]}
    if dataset == 'ntu60':
        is_train['xview'] = [i['camera'] in XVIEW_TRAIN_CAMERAS for i in info]
    else:
        is_train['xset'] = [i['setup'] % 2 == 0 for i in info]
    splits = {}
    for bench, flags in is_train.items():
        splits[f'{bench}_train'] = [n for n, f in zip(names, flags) if f]
        splits[f'{bench}_val'] = [n for n, f in zip(names, flags) if not f]
    return splits
