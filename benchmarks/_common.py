"""Helpers shared by the speed benchmarks: timing, machine description, the
stock mmaction2 ST-GCN++ model and NTU-shaped inputs."""
import os
import os.path as osp
import platform
import statistics
import sys
import tempfile
import time
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import brl_mm  # noqa: E402,F401  (compat shims before mmaction.models)
import mmaction  # noqa: E402
import mmengine  # noqa: E402
from mmaction.registry import MODELS, TRANSFORMS  # noqa: E402
from mmaction.structures import ActionDataSample  # noqa: E402
from mmcv.transforms import Compose  # noqa: E402
from mmengine.config import Config  # noqa: E402
from brl_mm.utils import load_config  # noqa: E402

STOCK_CFG = ('mmaction::skeleton/stgcnpp/'
             'stgcnpp_8xb16-joint-u100-80e_ntu60-xsub-keypoint-3d.py')
NUM_CLASSES = 60
CLIP_LEN = 64
# NTU60-LT X-Sub IF=100 class counts: n_c = int(600 * 100 ** (-c / 59))
NTU60_LT_COUNTS = [int(600 * 100**(-c / 59)) for c in range(NUM_CLASSES)]


# ------------------------------------------------------------------ timing
def sync(device: torch.device) -> None:
    """Wait for the device's queued work (no-op on CPU)."""
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def time_calls(fn: Callable[[], None],
               reps: int,
               device: torch.device,
               setup: Optional[Callable[[], None]] = None) -> List[float]:
    """Seconds per call of ``fn`` (``setup`` runs untimed before each)."""
    times = []
    for _ in range(reps):
        if setup is not None:
            setup()
        sync(device)
        start = time.perf_counter()
        fn()
        sync(device)
        times.append(time.perf_counter() - start)
    return times


def median_ms(times: Sequence[float]) -> float:
    return 1e3 * statistics.median(times)


# ----------------------------------------------------------------- machine
def cpu_name() -> str:
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'unknown CPU'


def load_average() -> str:
    try:
        return ' '.join(f'{v:.2f}' for v in os.getloadavg())
    except OSError:
        return 'n/a'


def environment_header(name: str, device: torch.device) -> str:
    """Two comment lines: device, CPU, threads, load; versions."""
    hw = (torch.cuda.get_device_name(device)
          if device.type == 'cuda' else cpu_name())
    return (f'# {name}  device={device} ({hw}), cpu={cpu_name()} '
            f'x{os.cpu_count()}, torch threads={torch.get_num_threads()}, '
            f'load average {load_average()}\n'
            f'# torch {torch.__version__}, mmaction2 {mmaction.__version__}, '
            f'mmengine {mmengine.__version__}, numpy {np.__version__}, '
            f'python {platform.python_version()}')


def environment_info(device: torch.device) -> Dict:
    """What :func:`environment_header` says, as a dict (for JSON output),
    plus the CUDA / cuDNN versions and the GPU's memory on CUDA."""
    info = dict(device=str(device), cpu=cpu_name(), cpu_count=os.cpu_count(),
                torch_threads=torch.get_num_threads(),
                load_average=load_average(), torch=torch.__version__,
                mmaction2=mmaction.__version__, mmengine=mmengine.__version__,
                numpy=np.__version__, python=platform.python_version())
    if device.type == 'cuda':
        props = torch.cuda.get_device_properties(device)
        info.update(gpu=props.name, gpu_memory_mib=props.total_memory / 2**20,
                    cuda=torch.version.cuda,
                    cudnn=torch.backends.cudnn.version())
    return info


# ------------------------------------------------------------ model + data
def config_from_text(text: str) -> Config:
    """A config from source text (``_base_`` may use ``mmaction::``),
    loaded with :func:`brl_mm.utils.load_config`."""
    with tempfile.TemporaryDirectory() as tmp:
        path = osp.join(tmp, 'bench_cfg.py')
        with open(path, 'w') as f:
            f.write(text)
        return load_config(path)


def build_stock_model(device: torch.device) -> torch.nn.Module:
    """The stock mmaction2 ST-GCN++ model of the NTU60 X-Sub 3D config."""
    cfg = config_from_text(f'_base_ = {STOCK_CFG!r}\n')
    model = MODELS.build(cfg.model).to(device)
    model.train()
    return model


def make_batch(batch_size: int,
               device: torch.device,
               clip_len: int = CLIP_LEN) -> Dict:
    """A data batch as the loader yields it: ``(1, 2, T, 25, 3)`` inputs and
    hard labels (moved to ``device`` by the model's preprocessor)."""
    inputs = [torch.randn(1, 2, clip_len, 25, 3) for _ in range(batch_size)]
    labels = np.random.randint(0, NUM_CLASSES, batch_size)
    samples = [ActionDataSample().set_gt_label(int(y)) for y in labels]
    return dict(inputs=inputs, data_samples=samples)


def make_ntu_like_samples(num: int, seed: int = 0) -> List[Dict]:
    """NTU-shaped raw samples: T ~ U(30, 300), M = 2 for 30% of samples,
    float32 camera-space coordinates of a wobbling body."""
    rng = np.random.default_rng(seed)
    rest = rng.normal(0, 0.3, (25, 3)) + np.array([0, 0, 3.0])
    samples = []
    for index in range(num):
        frames = int(rng.integers(30, 301))
        persons = 2 if rng.random() < 0.3 else 1
        drift = np.cumsum(rng.normal(0, 0.01, (persons, frames, 25, 3)),
                          axis=1)
        keypoint = (rest + drift).astype(np.float32)
        if persons == 2:
            keypoint[1] += np.array([0.8, 0, 0], dtype=np.float32)
        samples.append(
            dict(keypoint=keypoint,
                 total_frames=frames,
                 frame_dir=f'S001C001P001R001A{index:05d}',
                 label=int(rng.integers(0, NUM_CLASSES)),
                 start_index=0,
                 modality='Pose'))
    return samples


def build_pipeline(brl: bool, reverse: bool = False,
                   clip_len: int = CLIP_LEN) -> Compose:
    """The stock NTU train pipeline (PreNormalize3D, GenSkeFeat,
    UniformSampleFrames(``clip_len``, 64 as the configs), PoseDecode,
    FormatGCNInput, PackActionInputs), with ``brl`` plus RandomScale /
    RandomRot / SpatialFlip (stock transforms otherwise), with ``reverse``
    plus TemporalReverse(0.5)."""
    steps = [dict(type='PreNormalize3D')]
    if brl:
        steps += [
            dict(type='RandomScale', scale=0.1),
            dict(type='RandomRot', theta=0.3),
            dict(type='SpatialFlip', layout='nturgb+d', p=0.5),
        ]
        if reverse:
            steps.append(dict(type='TemporalReverse', p=0.5))
    steps += [
        dict(type='GenSkeFeat', dataset='nturgb+d', feats=['j']),
        dict(type='UniformSampleFrames', clip_len=clip_len),
        dict(type='PoseDecode'),
        dict(type='FormatGCNInput', num_person=2),
        dict(type='PackActionInputs'),
    ]
    return Compose([TRANSFORMS.build(step) for step in steps])
