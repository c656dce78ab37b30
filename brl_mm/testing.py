"""Helpers for brl-mm's tests and benchmarks: tiny skeleton pickles and a
config shrunk to seconds on a CPU.

Not used by the library itself. ``REPO`` is the source checkout that holds
this package (``configs/``, ``tools/``), meaningful for an editable install.
"""
import os
import os.path as osp
import pickle
import socket
import subprocess
import sys
import uuid
from typing import Dict, List, Optional, Sequence

import numpy as np

from .utils.config import load_config

__all__ = [
    'REPO', 'PYTHON', 'TINY_TRAIN_LABELS', 'TINY_TRAIN_COUNTS', 'free_port',
    'brl_layout_dir', 'fake_brl_state_dict', 'TINY_CLASSES',
    'trained_tiny_model', 'load_tool',
    'load_config', 'run_python', 'set_custom_hook', 'shrink_config',
    'tiny_train_config', 'write_skeleton_pickle'
]

#: The source checkout holding this package (configs/, tools/, tests/).
REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
#: The interpreter running the tests (subprocesses use the same one).
PYTHON = sys.executable
#: Training labels of the tests' ``tiny_pickle`` (4 classes, 8/4/2/1).
TINY_TRAIN_LABELS = [0] * 8 + [1] * 4 + [2] * 2 + [3]
#: Their class counts.
TINY_TRAIN_COUNTS = [8, 4, 2, 1]


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

    Args:
        path (str): The pickle to write.
        labels (Sequence[int]): One label per sample.
        splits (dict): Split names to sample indices.
        num_joints (int): Joints per frame. Defaults to 25 (NTU).
        channels (int): Coordinate dims. 2D pickles get a
            ``keypoint_score`` as mmaction's do, unless ``with_score=False``.
        frames (int): Frames per sample.
        classes (list[str], optional): Class names to store.
        seed (int): Seed of the random keypoints.
        with_score (bool, optional): Force a score channel on or off.

    Returns:
        list[str]: The frame_dirs.
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


def run_python(code: str, env: Optional[dict] = None,
               cwd: Optional[str] = None) -> subprocess.CompletedProcess:
    """Run python code in a fresh interpreter (for import-time behaviour).

    Args:
        code (str): The code for ``python -c``.
        env (dict, optional): Variables added to the current environment.
        cwd (str, optional): Working directory. Defaults to :data:`REPO`.

    Returns:
        subprocess.CompletedProcess: With ``stdout`` / ``stderr`` as text.
    """
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([PYTHON, '-c', code], capture_output=True,
                          text=True, env=full_env, cwd=cwd or REPO,
                          timeout=300)


def shrink_config(cfg, ann_file: str, num_classes: int, clip_len: int = 8,
                  test_clips: int = 2, base_channels: int = 8):
    """Shrink a brl-mm config to seconds on a CPU, in place.

    Tiny backbone (ST-GCN++, AAGCN, CTR-GCN: 2 stages; MS-G3D: 2 scales),
    short clips, no loader workers, the given data everywhere (benchmark
    sample lists and on-the-fly long-tail subsets off).

    Args:
        cfg (Config): A brl-mm training config.
        ann_file (str): The skeleton pickle every loader reads.
        num_classes (int): Classes of that pickle.
        clip_len (int): Frames per clip.
        test_clips (int): Clips of the multi-clip test.
        base_channels (int): Backbone width.

    Returns:
        Config: ``cfg``.
    """
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


def set_custom_hook(cfg, **hook):
    """Put ``hook`` in ``cfg.custom_hooks``, replacing one of the same type
    (the runtime already has DetachedScheduleHook, EpochSeedHook and
    NonFiniteLossHook).

    Args:
        cfg (Config): The config to change in place.
        **hook: The hook's config (``type=...`` and its arguments).

    Returns:
        Config: ``cfg``.
    """
    hooks = [h for h in cfg.get('custom_hooks', []) if h['type'] != hook['type']]
    cfg.custom_hooks = hooks + [hook]
    return cfg


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (for a gloo rendezvous)."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def tiny_train_config(ann_file: str,
                      work_dir: str,
                      max_epochs: int = 3,
                      switch_epoch=1,
                      num_classes: int = 4,
                      loss_cls: Optional[dict] = None):
    """``configs/brl/synthetic_lt.py`` shrunk to seconds for schedule tests.

    :func:`shrink_config` (a 2-stage ST-GCN++ with 8 channels, clips of 8
    frames, no workers), batches of 32 (one iteration per epoch),
    ``RepeatDataset(times=2)``, no validation, the given loss and switch
    epoch, gloo for distributed runs, seed 0.

    Args:
        ann_file (str): The skeleton pickle.
        work_dir (str): The run's work dir.
        max_epochs (int): Training epochs.
        switch_epoch (int | float): ``DetachedScheduleHook``'s switch.
        num_classes (int): Classes of ``ann_file``.
        loss_cls (dict, optional): The head's loss. Defaults to
            ``ActionAwareLoss``.

    Returns:
        Config: The config.
    """
    cfg = load_config(osp.join(REPO, 'configs/brl/synthetic_lt.py'))
    shrink_config(cfg, ann_file, num_classes)
    cfg.train_dataloader.batch_size = 32
    cfg.train_dataloader.dataset.times = 2
    for split in ('val', 'test'):
        cfg[f'{split}_dataloader'] = cfg[f'{split}_cfg'] = None
        cfg[f'{split}_evaluator'] = None
    cfg.model.cls_head.loss_cls = loss_cls or dict(type='ActionAwareLoss')
    cfg.train_cfg.max_epochs = max_epochs
    cfg.param_scheduler[0].T_max = max_epochs
    cfg.auto_scale_lr.enable = False
    cfg.default_hooks.checkpoint.update(save_best=None, max_keep_ckpts=-1)
    cfg.custom_hooks = [
        dict(type='DetachedScheduleHook', switch_epoch=switch_epoch)
    ]
    cfg.env_cfg.dist_cfg.backend = 'gloo'
    cfg.randomness = dict(seed=0)
    cfg.work_dir = work_dir
    cfg.experiment_name = f'sched_{uuid.uuid4().hex}'
    return cfg


def brl_layout_dir() -> Optional[str]:
    """``../shared/data/brl_checkpoint_layout`` beside the checkout (or
    beside its parent, for a worktree), if present."""
    for up in (1, 2):
        root = REPO
        for _ in range(up):
            root = osp.dirname(root)
        path = osp.join(root, 'shared', 'data', 'brl_checkpoint_layout')
        if osp.isdir(path):
            return path
    return None


def fake_brl_state_dict(backbone: str, num_classes: int = 60,
                        seed: int = 0) -> Optional[Dict]:
    """Random tensors with the keys and shapes of an original BRL model
    (``{backbone}_ntu25_keys.tsv`` of :func:`brl_layout_dir`: ``stgcnpp``,
    ``aagcn``, ``ctrgcn``, ``msg3d``), the head resized to ``num_classes``.

    Returns:
        OrderedDict | None: The state dict (BRL key names, ``fc_cls``), or
        None when the layout tables are absent.
    """
    import torch
    from collections import OrderedDict
    folder = brl_layout_dir()
    if folder is None:
        return None
    gen = torch.Generator().manual_seed(seed)
    state = OrderedDict()
    with open(osp.join(folder, f'{backbone}_ntu25_keys.tsv')) as f:
        for line in f:
            if line.startswith('#'):
                continue
            key, shape, _ = line.rstrip('\n').split('\t')
            if shape == 'scalar':  # num_batches_tracked
                state[key] = torch.tensor(7, dtype=torch.int64)
                continue
            dims = [int(d) for d in shape.split('x')]
            if key.startswith('cls_head.fc_cls.'):
                dims[0] = num_classes
            state[key] = torch.randn(dims, generator=gen)
    return state


#: Class names of :func:`trained_tiny_model`'s pickle.
TINY_CLASSES = ['wave', 'kick', 'sit down', 'jump']


def trained_tiny_model(folder: str,
                       config: str = 'configs/brl/synthetic_lt.py',
                       epochs: int = 1, ann_file: Optional[str] = None,
                       num_classes: int = 4) -> Dict[str, str]:
    """Train a shrunk config for ``epochs`` on a tiny 4-class pickle.

    The pickle (``tiny.pkl``: :data:`TINY_TRAIN_LABELS` in ``xsub_train``,
    2 samples per class in ``xsub_val``, names :data:`TINY_CLASSES`; or
    ``ann_file`` with ``num_classes``) and the run live in ``folder``.
    Training uses :func:`tiny_train_config`'s schedule on ``config``'s
    model (:func:`shrink_config`); the returned inference config is
    ``config`` shrunk the same way, with its test loader on ``xsub_val``.

    Returns:
        dict: ``pickle``, ``config`` (the dumped inference config) and
        ``checkpoint`` (the last epoch's) paths.
    """
    from mmengine.runner import Runner
    os.makedirs(folder, exist_ok=True)
    ann = ann_file
    if ann is None:
        ann = osp.join(folder, 'tiny.pkl')
        labels = TINY_TRAIN_LABELS + [0, 0, 1, 1, 2, 2, 3, 3]
        n_train = len(TINY_TRAIN_LABELS)
        write_skeleton_pickle(ann, labels,
                              dict(xsub_train=range(n_train),
                                   xsub_val=range(n_train, len(labels))),
                              classes=TINY_CLASSES, frames=20)
        num_classes = len(TINY_CLASSES)
    infer_cfg = load_config(osp.join(REPO, config))
    shrink_config(infer_cfg, ann, num_classes)
    train_cfg = tiny_train_config(ann, osp.join(folder, 'work'),
                                  max_epochs=epochs, switch_epoch=epochs,
                                  num_classes=num_classes)
    train_cfg.model = infer_cfg.model
    Runner.from_cfg(train_cfg).train()
    config_path = osp.join(folder, 'infer_config.py')
    infer_cfg.dump(config_path)
    return dict(pickle=ann, config=config_path,
                checkpoint=osp.join(folder, 'work', f'epoch_{epochs}.pth'))


def load_tool(name: str):
    """Import ``tools/<name>.py`` of :data:`REPO` as a module (to call its
    ``main(argv)`` in-process).

    Args:
        name (str): The script's name without ``.py``, e.g. ``'infer'``.

    Returns:
        module: The loaded module.
    """
    import importlib.util
    path = osp.join(REPO, 'tools', f'{name}.py')
    spec = importlib.util.spec_from_file_location(f'brl_tool_{name}', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
