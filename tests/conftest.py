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
                          seed: int = 0,
                          with_score: Optional[bool] = None) -> List[str]:
    """Write an mmaction skeleton pickle with one sample per label.

    ``splits`` maps split names to sample indices. 2D pickles
    (``channels=2``) get a ``keypoint_score`` as mmaction's do, unless
    ``with_score=False``. Returns the frame_dirs.
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
    if with_score if with_score is not None else channels == 2:
        for ann in annotations:
            ann['keypoint_score'] = np.ones(ann['keypoint'].shape[:3],
                                            dtype=np.float32)
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


def load_config(path: str):
    """``Config.fromfile`` as tools/train.py loads it: without yapf
    re-formatting of the config text, which the Runner would otherwise do
    (seconds per dump/log of a BRL config; brl_mm's ``config_format_flag``
    shim makes mmengine honour the flag)."""
    from mmengine.config import Config
    return Config.fromfile(path, format_python_code=False)


def run_python(code: str, env: Optional[dict] = None,
               cwd: Optional[str] = None) -> subprocess.CompletedProcess:
    """Run python code in a fresh interpreter (for import-time behaviour)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([PYTHON, '-c', code], capture_output=True,
                          text=True, env=full_env, cwd=cwd or REPO,
                          timeout=300)


def shrink_config(cfg, ann_file: str, num_classes: int, clip_len: int = 8,
                  test_clips: int = 2, base_channels: int = 8):
    """Shrink a brl-mm config to seconds on a CPU: tiny backbone (ST-GCN++,
    AAGCN, CTR-GCN: 2 stages; MS-G3D: 2 scales), short clips, no loader
    workers, the given data everywhere (benchmark sample lists and on-the-fly
    long-tail subsets off)."""
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        if loader is None:
            continue
        loader.update(batch_size=8, num_workers=0, persistent_workers=False)
        dataset = loader.dataset
        if split == 'train' and dataset.type == 'RepeatDataset':
            dataset.times = 1
            dataset = dataset.dataset
        dataset.update(ann_file=ann_file, num_classes=num_classes)
        if dataset.get('lt_split_file'):
            dataset.lt_split_file = None  # a benchmark list: not these ids
        if dataset.get('imbalance_factor'):  # e.g. NW-UCLA-LT's n_max=100
            dataset.update(imbalance_factor=None, n_max=None)
        for transform in dataset.pipeline:
            if transform.type in ('UniformSampleFrames',
                                  'FastUniformSampleFrames'):
                transform.clip_len = clip_len
                if split == 'test':
                    transform.num_clips = test_clips
    if cfg.model.backbone.type == 'MSG3D':  # 4x base_channels out
        cfg.model.backbone.update(base_channels=base_channels,
                                  num_gcn_scales=2, num_g3d_scales=2)
        out_channels = 4 * base_channels
    else:
        cfg.model.backbone.update(base_channels=base_channels, num_stages=2,
                                  inflate_stages=[], down_stages=[])
        out_channels = base_channels
    cfg.model.cls_head.update(num_classes=num_classes,
                              in_channels=out_channels)
    blending = cfg.model.get('data_preprocessor', {}).get('blending')
    if blending:
        blending.num_classes = num_classes
    cfg.default_hooks.logger.interval = 1
    return cfg


@pytest.fixture(scope='session')
def synthetic_pickle(tmp_path_factory):
    """A small synthetic long-tailed NTU-25 dataset (4 classes)."""
    from brl_mm.datasets import generate_synthetic_lt
    path = str(tmp_path_factory.mktemp('synthetic') / 'syn.pkl')
    data = generate_synthetic_lt(path, num_classes=4, n_max=8,
                                 imbalance_factor=4, val_per_class=3,
                                 min_frames=16, max_frames=24, seed=0)
    return dict(path=path, data=data, num_classes=4)


def set_custom_hook(cfg, **hook):
    """Put ``hook`` in ``cfg.custom_hooks``, replacing one of the same type
    (the runtime already has DetachedScheduleHook, EpochSeedHook and
    NonFiniteLossHook)."""
    hooks = [h for h in cfg.get('custom_hooks', []) if h['type'] != hook['type']]
    cfg.custom_hooks = hooks + [hook]
    return cfg
