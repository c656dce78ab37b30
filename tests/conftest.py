"""Shared fixtures: tiny hand-built skeleton pickles and paths."""
import os
import os.path as osp
import pickle
import subprocess
import sys
from typing import Dict, List, Optional, Sequence

import numpy as np
import pytest

import brl_mm  # noqa: F401  (compat shims before any mmaction.models import)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
PYTHON = sys.executable


def write_skeleton_pickle(path: str,
                          labels: Sequence[int],
                          splits: Dict[str, Sequence[int]],
                          num_joints: int = 25,
                          channels: int = 3,
                          frames: int = 12,
                          classes: Optional[List[str]] = None,
                          seed: int = 0) -> List[str]:
    """Write an mmaction skeleton pickle with one sample per label.

    ``splits`` maps split names to sample indices. Returns the frame_dirs.
    """
    rng = np.random.default_rng(seed)
    ids = [f'S001C001P{i:03d}R001A{int(lab):03d}' for i, lab in
           enumerate(labels)]
    annotations = [
        dict(frame_dir=fid, label=int(lab), total_frames=frames,
             keypoint=rng.standard_normal(
                 (1, frames, num_joints, channels)).astype(np.float32))
        for fid, lab in zip(ids, labels)
    ]
    data = dict(
        split={name: [ids[i] for i in idx] for name, idx in splits.items()},
        annotations=annotations)
    if classes is not None:
        data['classes'] = classes
    with open(path, 'wb') as f:
        pickle.dump(data, f)
    return ids


@pytest.fixture
def tiny_pickle(tmp_path):
    """4 classes; train: 8/4/2/1 samples, val: 2 per class."""
    train_labels = [0] * 8 + [1] * 4 + [2] * 2 + [3]
    val_labels = [0, 0, 1, 1, 2, 2, 3, 3]
    labels = train_labels + val_labels
    n_train = len(train_labels)
    path = str(tmp_path / 'tiny.pkl')
    ids = write_skeleton_pickle(
        path, labels,
        dict(xsub_train=range(n_train),
             xsub_val=range(n_train, len(labels))))
    return dict(path=path, ids=ids, n_train=n_train, labels=labels)


def run_python(code: str, env: Optional[dict] = None,
               cwd: Optional[str] = None) -> subprocess.CompletedProcess:
    """Run python code in a fresh interpreter (for import-time behaviour)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([PYTHON, '-c', code], capture_output=True,
                          text=True, env=full_env, cwd=cwd or REPO,
                          timeout=300)
