"""Read the NW-UCLA skeleton json files (the ``all_sqe`` release of CTR-GCN).

One file per sample, named ``aAA_sSS_eEE_vVV.json`` (action, subject,
environment / repetition, view), holding::

    {"file_name": "a01_s01_e00_v01",
     "skeletons": [[[x, y, z], ... 20 joints], ... one entry per frame],
     "label": 1}

``label`` is 1-based (1..10) over the ten NW-UCLA actions, in the order of
the action ids ``a01 .. a06, a08, a09, a11, a12``. The 20 Kinect v1 joints
are in the order of brl_mm's ``'nw_ucla'`` layout (NTU order without the hand
tips and thumbs). One person per sample.

The standard cross-view protocol trains on views 1 and 2 and tests on view
3 (splits ``train`` / ``val``).
"""
import json
import os.path as osp
import re
from typing import Dict, Iterable, List

import numpy as np

__all__ = [
    'NW_UCLA_ACTIONS', 'NW_UCLA_CLASSES', 'NW_UCLA_TRAIN_VIEWS',
    'parse_nw_ucla_name', 'nw_ucla_json_to_annotation', 'nw_ucla_splits'
]

#: Action ids of the ten classes, in label order.
NW_UCLA_ACTIONS = (1, 2, 3, 4, 5, 6, 8, 9, 11, 12)
#: Class names, in label order.
NW_UCLA_CLASSES = ('pick up with one hand', 'pick up with two hands',
                   'drop trash', 'walk around', 'sit down', 'stand up',
                   'donning', 'doffing', 'throw', 'carry')
#: Views of the training split (cross-view protocol); view 3 is val.
NW_UCLA_TRAIN_VIEWS = (1, 2)
NUM_JOINTS = 20

_NAME = re.compile(r'a(\d{2})_s(\d{2})_e(\d{2})_v(\d{2})')


def parse_nw_ucla_name(name: str) -> Dict[str, int]:
    """Split a sample name such as ``a01_s01_e00_v01`` into its ids.

    Args:
        name (str): Sample name (a file name is fine: the first match counts).

    Returns:
        dict: ``action``, ``subject``, ``environment``, ``view`` (ints).
    """
    match = _NAME.search(name)
    if match is None:
        raise ValueError(f'{name!r} is not an NW-UCLA sample name '
                         '(aAA_sSS_eEE_vVV, e.g. a01_s01_e00_v01)')
    action, subject, environment, view = map(int, match.groups())
    return dict(action=action, subject=subject, environment=environment,
                view=view)


def nw_ucla_json_to_annotation(path: str) -> Dict:
    """Read one NW-UCLA json file into an mmaction skeleton annotation.

    Args:
        path (str): The ``.json`` file.

    Returns:
        dict: ``frame_dir`` (the sample name), ``label`` (0-based),
        ``total_frames`` and ``keypoint`` float32 of shape (1, T, 20, 3).
    """
    try:
        with open(path) as f:
            data = json.load(f)
    except json.JSONDecodeError as e:
        raise ValueError(f'{path}: not valid json ({e})') from None
    if not isinstance(data, dict) or 'skeletons' not in data:
        raise ValueError(f'{path}: expected a json object with "skeletons" '
                         '(a list of frames of 20 x 3 joints), "file_name" '
                         'and "label", the NW-UCLA all_sqe format')
    name = data.get('file_name') or osp.splitext(osp.basename(path))[0]
    ids = parse_nw_ucla_name(name)
    try:
        keypoint = np.asarray(data['skeletons'], dtype=np.float32)
    except (TypeError, ValueError):
        raise ValueError(f'{path}: "skeletons" is not a regular array of '
                         'numbers (frames x 20 joints x 3)') from None
    if keypoint.ndim != 3 or keypoint.shape[1:] != (NUM_JOINTS, 3) or \
            keypoint.shape[0] == 0:
        raise ValueError(f'{path}: "skeletons" has shape {keypoint.shape}, '
                         f'expected (frames >= 1, {NUM_JOINTS}, 3)')
    if not np.isfinite(keypoint).all():
        raise ValueError(f'{path}: "skeletons" holds NaN or infinite values')
    if ids['action'] not in NW_UCLA_ACTIONS:
        raise ValueError(f'{path}: action a{ids["action"]:02d} is not one of '
                         f'the NW-UCLA actions {NW_UCLA_ACTIONS}')
    label = NW_UCLA_ACTIONS.index(ids['action'])
    if 'label' in data and int(data['label']) - 1 != label:
        raise ValueError(
            f'{path}: "label" {data["label"]} (1-based) does not match action '
            f'a{ids["action"]:02d} of the name, which is class {label + 1} '
            f'of {len(NW_UCLA_ACTIONS)} (actions {NW_UCLA_ACTIONS})')
    return dict(frame_dir=name, label=label, total_frames=len(keypoint),
                keypoint=keypoint[None])


def nw_ucla_splits(frame_dirs: Iterable[str]) -> Dict[str, List[str]]:
    """The cross-view splits: views 1, 2 -> ``train``, view 3 -> ``val``.

    Args:
        frame_dirs (Iterable[str]): Sample names.

    Returns:
        dict: ``train`` and ``val`` lists of sample names, in input order.
    """
    splits = dict(train=[], val=[])
    for name in frame_dirs:
        view = parse_nw_ucla_name(name)['view']
        splits['train' if view in NW_UCLA_TRAIN_VIEWS else 'val'].append(name)
    return splits
