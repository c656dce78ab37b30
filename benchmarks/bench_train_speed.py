"""Training speed of the BRL recipe next to stock mmaction2 ST-GCN++ (issue 8).

Everything is measured side by side in one process, the variants of a
table interleaved round by round (so background load hits them alike), and
reported as medians and as ratios against stock mmaction2:

1. **Train steps** (``model.train_step``: preprocessor, forward, loss,
   backward, SGD step with Nesterov momentum and weight decay) on NTU inputs
   ``(B, 1, 2, T, 25, 3)`` at B = 16 and 128, all models starting from the
   same weights:

   * ``stock``: the model of mmaction2's
     ``stgcnpp_8xb16-joint-u100-80e_ntu60-xsub-keypoint-3d.py`` (``GCNHead``,
     cross entropy, top-k accuracy through numpy every step);
   * ``stock + BRL components``: the same with the rebalanced partial mixup
     and ``ActionAwareLoss`` (stage 2), stock ``GCNHead``;
   * ``BRL recipe``: ``configs/_base_/models/stgcnpp_brl.py`` (mixup,
     ActionAwareLoss, ``SyncFreeGCNHead``), fp32 - the same math as stock;
   * ``BRL recipe`` under AMP: bf16 (and fp16 on CUDA) autocast - on CUDA
     through mmengine's ``AmpOptimWrapper`` as ``--amp --cfg-options
     optim_wrapper.dtype=...`` sets it, on CPU inside
     ``torch.autocast('cpu', torch.bfloat16)`` (mmengine's wrapper needs a
     GPU); stock fp16 too on CUDA;
   * ``+ compile``: the backbone compiled in place with ``torch.compile``
     (``nn.Module.compile``, state-dict keys unchanged), CUDA by default.

   On CUDA also the peak GPU memory of each variant's step.
2. **BRL component overhead** timed on its own: the mixup call, the extra
   cost of ActionAwareLoss over mmaction's CrossEntropyLoss (forward +
   backward), ``DetachedScheduleHook.before_train_epoch`` amortised over
   the iterations of an NTU60-LT epoch; as a share of the stock step.
3. **Pipeline** per-sample time (NTU-shaped samples, T 30..300, 1-2
   persons): stock mmaction2 (PreNormalize3D, GenSkeFeat,
   UniformSampleFrames(64), PoseDecode, FormatGCNInput, PackActionInputs),
   the BRL pipeline with stock transforms (+ RandomScale, RandomRot,
   SpatialFlip), and the BRL train pipeline of
   ``configs/_base_/datasets/ntu60_xsub_lt_3d.py`` (CachedPreNormalize3D,
   FastUniformSampleFrames) cold (computed), warm in memory, warm on disk;
   samples/s per worker and workers needed to feed B=128; then real
   DataLoader epochs with workers restarted every epoch, the BRL pipeline
   with and without ``WarmNormalizeCacheHook``'s warm-up and
   ``compact_collate``.
4. With ``--loader-check``: a real 2-worker DataLoader feeding stock and
   BRL train steps at B=128; the share of time the step loop waits for
   data and, on CUDA, the share of the GPU's time spent idle between steps
   waiting for it (CUDA events). On a CPU it runs too (for the dry run of
   ``benchmarks/gpu_check.sh``), but the workers and the step then share
   the same cores: not a GPU figure.

With ``--json OUT`` every figure also goes to a JSON file, rewritten after
each section (a run stopped by a timeout keeps what it measured).

On a CPU the B=128 rows default to T=16 (``--clip-lens``) so that the whole
script runs in a few minutes on 2 cores.

Usage::

    python benchmarks/bench_train_speed.py --threads 1            # CPU
    python benchmarks/bench_train_speed.py --device cuda --loader-check \\
        --json speed.json
"""
import argparse
import copy
import json
import logging
import math
import os.path as osp
import random
import tempfile
import time
import types
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
import torch

from _common import (CLIP_LEN, NTU60_LT_COUNTS, NUM_CLASSES,
                     build_pipeline, build_stock_model, environment_header,
                     environment_info, load_average, make_batch,
                     make_ntu_like_samples, median_ms, sync, time_calls)
from mmaction.registry import MODELS, TRANSFORMS
from mmaction.structures import ActionDataSample
from mmcv.transforms import Compose
from mmengine.dataset import pseudo_collate
from mmengine.logging import MMLogger
from mmengine.optim import AmpOptimWrapper, OptimWrapper
from mmengine.registry import init_default_scope

from brl_mm.fast import compact_collate, warm_normalize_cache
from brl_mm.engine.hooks import DetachedScheduleHook
from brl_mm.utils import dump_atomically, load_config

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
BRL_MODEL_CFG = osp.join(REPO, 'configs', '_base_', 'models',
                         'stgcnpp_brl.py')
BRL_DATA_CFG = osp.join(REPO, 'configs', '_base_', 'datasets',
                        'ntu60_xsub_lt_3d.py')
NTU60_LT_SAMPLES = 7892  # NTU60-LT X-Sub IF=100, x RepeatDataset(times=5)


# ------------------------------------------------------------------ models
def _brl_model(device: torch.device, stock_head: bool,
               weights: Dict) -> torch.nn.Module:
    init_default_scope('mmaction')
    cfg = load_config(BRL_MODEL_CFG)
    model_cfg = copy.deepcopy(cfg.model)
    if stock_head:
        model_cfg.cls_head.type = 'GCNHead'
    model = MODELS.build(model_cfg).to(device)
    missing, unexpected = model.load_state_dict(weights, strict=False)
    assert not unexpected and all('loss_cls' in k for k in missing), (
        missing, unexpected)
    model.data_preprocessor.blending.set_class_counts(NTU60_LT_COUNTS)
    model.cls_head.loss_cls.set_class_counts(NTU60_LT_COUNTS)
    model.cls_head.loss_cls.set_stage(2)  # the weighted (costlier) stage
    model.train()
    return model


def _sgd(model: torch.nn.Module) -> torch.optim.Optimizer:
    return torch.optim.SGD(model.parameters(),
                           lr=0.1,
                           momentum=0.9,
                           weight_decay=5e-4,
                           nesterov=True)


class Variant:
    """One model + optimizer wrapper + precision, stepping on a batch."""

    def __init__(self,
                 name: str,
                 model: torch.nn.Module,
                 device: torch.device,
                 amp: Optional[str] = None,
                 compile_backend: Optional[str] = None) -> None:
        self.name, self.model, self.device, self.amp = name, model, device, amp
        self.cpu_autocast = amp is not None and device.type == 'cpu'
        if amp is not None and device.type == 'cuda':
            self.optim = AmpOptimWrapper(optimizer=_sgd(model),
                                         dtype=amp,
                                         loss_scale='dynamic')
        else:
            self.optim = OptimWrapper(_sgd(model))
        if compile_backend is not None:
            model.backbone.compile(backend=compile_backend)

    def step(self, batch: Dict) -> None:
        if self.cpu_autocast:
            with torch.autocast('cpu', dtype=getattr(torch, self.amp)):
                self.model.train_step(batch, self.optim)
        else:
            self.model.train_step(batch, self.optim)


def build_variants(device: torch.device, amp_dtypes: Sequence[str],
                   compile_backend: Optional[str]) -> List[Variant]:
    """The variants of the train-step tables (``compile_backend``: add a
    compiled-backbone row with this ``torch.compile`` backend)."""
    stock = build_stock_model(device)
    weights = copy.deepcopy(stock.state_dict())
    variants = [
        Variant('stock mmaction2 fp32', stock, device),
        Variant('stock + BRL components fp32',
                _brl_model(device, True, weights), device),
        Variant('BRL recipe fp32 (same math)',
                _brl_model(device, False, weights), device),
    ]
    if device.type == 'cuda' and 'float16' in amp_dtypes:
        fp16 = build_stock_model(device)
        fp16.load_state_dict(weights)
        variants.append(
            Variant('stock mmaction2 fp16 (AmpOptimWrapper)', fp16, device,
                    'float16'))
    for dtype in amp_dtypes:
        if device.type == 'cpu' and dtype != 'bfloat16':
            continue  # CPU autocast: bf16 only
        short = {'float16': 'fp16', 'bfloat16': 'bf16'}[dtype]
        variants.append(
            Variant(f'BRL recipe {short}', _brl_model(device, False, weights),
                    device, dtype))
    if compile_backend is not None:
        dtype = 'bfloat16' if 'bfloat16' in amp_dtypes else None
        short = 'bf16' if dtype else 'fp32'
        variants.append(
            Variant(f'BRL recipe {short} + compile(backbone)',
                    _brl_model(device, False, weights), device, dtype,
                    compile_backend=compile_backend))
    return variants


def bench_steps(variants: List[Variant], batch_size: int, clip_len: int,
                reps: int, warmup: int, device: torch.device) -> Dict:
    """Interleaved train steps: seconds per step of each variant; on CUDA
    the peak memory of one step of each (``torch.cuda.max_memory_allocated``
    with the peak statistics reset before it), in MiB above what was
    allocated before the step (``peaks``; the weights, optimizer states and
    the batch of every variant are resident throughout) and absolute
    (``peaks_total``)."""
    batch = make_batch(batch_size, device, clip_len)
    for variant in variants:
        for _ in range(warmup):
            variant.step(batch)
    times = {v.name: [] for v in variants}
    for _ in range(reps):
        for variant in variants:
            times[variant.name] += time_calls(lambda: variant.step(batch), 1,
                                              device)
    peaks, peaks_total = {}, {}
    if device.type == 'cuda':
        for variant in variants:
            torch.cuda.empty_cache()
            base = torch.cuda.memory_allocated(device)
            torch.cuda.reset_peak_memory_stats(device)
            variant.step(batch)
            sync(device)
            peak = torch.cuda.max_memory_allocated(device)
            peaks[variant.name] = (peak - base) / 2**20
            peaks_total[variant.name] = peak / 2**20
    return dict(times=times, peaks=peaks, peaks_total=peaks_total)


# --------------------------------------------------------------- components
def bench_components(device: torch.device, batch_size: int, reps: int,
                     brl_model: torch.nn.Module) -> Dict[str, float]:
    """Median ms of each BRL component's own work at one batch size."""
    blending = brl_model.data_preprocessor.blending
    stacked = torch.randn(batch_size, 1, 2, CLIP_LEN, 25, 3, device=device)
    targets = [int(y) for y in np.random.randint(0, NUM_CLASSES, batch_size)]
    fresh: List = []

    def new_samples():
        fresh[:] = [
            ActionDataSample().set_gt_label(y).to(device) for y in targets
        ]

    new_samples()
    blending(stacked, fresh)
    mix = time_calls(lambda: blending(stacked, fresh), reps, device,
                     new_samples)

    aa_loss = brl_model.cls_head.loss_cls
    ce_loss = MODELS.build(dict(type='CrossEntropyLoss')).to(device)
    logits = torch.randn(batch_size, NUM_CLASSES, device=device,
                         requires_grad=True)
    hard = torch.tensor(targets, device=device)
    soft = torch.nn.functional.one_hot(hard, NUM_CLASSES).float()

    def loss_step(loss_fn, labels):
        return lambda: loss_fn(logits, labels).backward()

    aa = time_calls(loss_step(aa_loss, soft), reps, device)
    ce = time_calls(loss_step(ce_loss, hard), reps, device)

    hook = DetachedScheduleHook(switch_epoch=0.8)
    runner = types.SimpleNamespace(model=brl_model, max_epochs=24, epoch=0)
    epochs = iter(range(10**9))

    def next_epoch():
        runner.epoch = next(epochs) % 24

    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)  # the stage-switch log lines
    try:
        hook_times = time_calls(lambda: hook.before_train_epoch(runner), 24,
                                device, next_epoch)
    finally:
        logger.setLevel(level)
    iters = math.ceil(NTU60_LT_SAMPLES * 5 / batch_size)
    return dict(mix=median_ms(mix),
                aa=median_ms(aa),
                ce=median_ms(ce),
                hook_epoch=median_ms(hook_times),
                hook_step=median_ms(hook_times) / iters,
                iters=iters)


# ---------------------------------------------------------------- pipeline
def brl_train_pipeline(clip_len: Optional[int] = None,
                       **normalize_args) -> Compose:
    """The BRL train pipeline of the NTU dataset config.

    Args:
        clip_len (int, optional): Frames its frame sampler takes instead of
            the config's 64 (a smaller step for a CPU dry run). Defaults to
            None: the config's.
        **normalize_args: Arguments of its ``CachedPreNormalize3D``.
    """
    steps = copy.deepcopy(load_config(BRL_DATA_CFG).train_pipeline)
    assert steps[0]['type'] == 'CachedPreNormalize3D', steps[0]
    steps[0].update(normalize_args)
    if clip_len is not None:
        sampling = [s for s in steps if 'clip_len' in s]
        assert len(sampling) == 1, steps
        sampling[0]['clip_len'] = clip_len
    return Compose([TRANSFORMS.build(s) for s in steps])


def _pass(pipeline: Callable, samples: List[Dict]) -> float:
    """Seconds per sample for one pass (fresh result dicts)."""
    np.random.seed(0)
    copies = [dict(s) for s in samples]
    start = time.perf_counter()
    for results in copies:
        pipeline(results)
    return (time.perf_counter() - start) / len(samples)


def bench_pipelines(num_samples: int, rounds: int) -> Dict[str, float]:
    """Median ms/sample per pipeline over interleaved rounds."""
    samples = make_ntu_like_samples(num_samples)
    stock = build_pipeline(brl=False)
    stock_brl = build_pipeline(brl=True)
    results = {
        k: []
        for k in ('stock', 'brl_stock_transforms', 'brl_cold',
                  'brl_disk_write', 'brl_warm_memory', 'brl_warm_disk')
    }
    for _ in range(rounds):
        results['stock'].append(_pass(stock, samples))
        results['brl_stock_transforms'].append(_pass(stock_brl, samples))
        results['brl_cold'].append(
            _pass(brl_train_pipeline(memory_cache_mb=0), samples))
        memory = brl_train_pipeline()
        _pass(memory, samples)  # fills the memory cache
        results['brl_warm_memory'].append(_pass(memory, samples))
        with tempfile.TemporaryDirectory() as cache_dir:
            results['brl_disk_write'].append(
                _pass(brl_train_pipeline(cache_dir=cache_dir,
                                         memory_cache_mb=0), samples))
            results['brl_warm_disk'].append(
                _pass(brl_train_pipeline(cache_dir=cache_dir,
                                         memory_cache_mb=0), samples))
    return {k: median_ms(v) for k, v in results.items()}


# ------------------------------------------------------------ loader check
class _SampleSet(torch.utils.data.Dataset):

    def __init__(self, samples: List[Dict], pipeline: Compose) -> None:
        self.samples, self.pipeline = samples, pipeline

    def __len__(self) -> int:
        return len(self.samples)

    def get_data_info(self, index: int) -> Dict:
        return dict(self.samples[index])

    def __getitem__(self, index: int) -> Dict:
        return self.pipeline(self.get_data_info(index))


def bench_loader_epochs(num_samples: int, workers: int, epochs: int,
                        batch_size: int = 16) -> Dict[str, Dict]:
    """Real ``DataLoader`` epochs with workers restarted every epoch
    (``persistent_workers=False``, as the BRL dataset configs): per-worker
    ms per sample of each epoch, for stock mmaction2, the BRL train pipeline
    without and with :func:`brl_mm.engine.warm_normalize_cache` (what
    ``WarmNormalizeCacheHook`` runs before training; its one-off seconds are
    reported apart), both with mmengine's ``pseudo_collate``, and the BRL
    config as a whole (warm-up + ``compact_collate``)."""
    samples = make_ntu_like_samples(num_samples, seed=2)
    variants = {
        'stock': (build_pipeline(brl=False), False, pseudo_collate),
        'brl_cold': (brl_train_pipeline(), False, pseudo_collate),
        'brl_warm': (brl_train_pipeline(), True, pseudo_collate),
        'brl_config': (brl_train_pipeline(), True, compact_collate),
    }
    results = {}
    for name, (pipeline, warm, collate) in variants.items():
        dataset = _SampleSet(samples, pipeline)
        warm_s = 0.0
        if warm:
            start = time.perf_counter()
            warm_normalize_cache(dataset)
            warm_s = time.perf_counter() - start
        per_epoch, first = [], []
        for epoch in range(epochs):
            torch.manual_seed(epoch)
            loader = torch.utils.data.DataLoader(
                dataset, batch_size=batch_size, shuffle=True,
                num_workers=workers, collate_fn=collate,
                persistent_workers=False)
            start = time.perf_counter()
            for index, _ in enumerate(loader):
                if index == 0:  # worker start-up + one batch
                    first.append(time.perf_counter() - start)
            per_epoch.append(
                1e3 * (time.perf_counter() - start) * workers / num_samples)
        results[name] = dict(ms=per_epoch, warm_s=warm_s,
                             first_batch_s=float(np.median(first)))
    return results


def loader_check(variant: Variant, pipeline: Compose, batch_size: int,
                 workers: int, iters: int, device: torch.device,
                 brl_loader: bool = False) -> Dict[str, float]:
    """A real ``DataLoader`` with ``workers`` feeding ``iters`` train steps
    (``brl_loader``: the BRL configs' loader, i.e. after
    :func:`brl_mm.engine.warm_normalize_cache` as ``WarmNormalizeCacheHook``
    does before training, and with ``compact_collate``).

    Returns:
        dict: ``wait_share``, the share of the step loop's wall time spent
        in ``next(loader)``; ``samples_per_s``; on CUDA ``gpu_idle_share``,
        the share of the GPU's time from the first step's start to the last
        one's end that lies between two steps (a CUDA event recorded when
        the batch is ready, one after the step's work: a gap between them is
        time the GPU had nothing queued while the host waited for data;
        idle time inside a step, e.g. a host sync, is not counted), else
        None.
    """
    samples = make_ntu_like_samples(batch_size * (iters + 3), seed=1)
    dataset = _SampleSet(samples, pipeline)
    if brl_loader:
        warm_normalize_cache(dataset)
    loader = torch.utils.data.DataLoader(
        dataset,
        batch_size=batch_size,
        num_workers=workers,
        collate_fn=compact_collate if brl_loader else pseudo_collate,
        pin_memory=device.type == 'cuda',
        persistent_workers=False)
    batches = iter(loader)
    for _ in range(2):  # start-up and warm-up
        variant.step(next(batches))
    sync(device)
    events = device.type == 'cuda'
    marks = []  # (batch ready, step done) CUDA events per step
    wait = 0.0
    start = time.perf_counter()
    for _ in range(iters):
        before = time.perf_counter()
        batch = next(batches)
        wait += time.perf_counter() - before
        if events:
            ready = torch.cuda.Event(enable_timing=True)
            ready.record()
        variant.step(batch)
        if events:
            done = torch.cuda.Event(enable_timing=True)
            done.record()
            marks.append((ready, done))
    sync(device)
    total = time.perf_counter() - start
    gpu_idle_share = None
    if marks:
        idle = sum(
            done.elapsed_time(ready)
            for (_, done), (ready, _) in zip(marks, marks[1:]))
        gpu_idle_share = idle / marks[0][0].elapsed_time(marks[-1][1])
    return dict(wait_share=wait / total,
                gpu_idle_share=gpu_idle_share,
                samples_per_s=batch_size * iters / total)


# -------------------------------------------------------------------- main
class Report:
    """The ``--json`` output: named sections, the file rewritten (atomically)
    after each one, so a run stopped by a timeout keeps what it measured.

    Args:
        path (str, optional): The JSON file; None writes nothing.
    """

    def __init__(self, path: Optional[str]) -> None:
        self.path = path
        self.sections: Dict = {}

    def add(self, key: str, value) -> None:
        """Store a section and rewrite the file."""
        self.sections[key] = value
        if self.path:
            dump_atomically(json.dumps(self.sections, indent=1), self.path)


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--device', default=None,
                        help='cpu or cuda (default: cuda if available)')
    parser.add_argument('--threads', type=int, default=None,
                        help='torch CPU threads (default: torch default)')
    parser.add_argument('--batch-sizes', type=int, nargs='+',
                        default=[16, 128])
    parser.add_argument('--clip-lens', type=int, nargs='+', default=None,
                        help='T per batch size (default: 64 on CUDA; on CPU '
                        '64 for B<=16, 16 above)')
    parser.add_argument('--reps', type=int, default=None,
                        help='timed rounds (default 3 on CPU, 30 on CUDA)')
    parser.add_argument('--warmup', type=int, default=None,
                        help='untimed steps per variant (1 CPU, 5 CUDA)')
    parser.add_argument('--amp-dtypes', nargs='*', default=None,
                        help='default: bfloat16 on CPU, float16 bfloat16 '
                        'on CUDA')
    parser.add_argument('--compile', dest='compile_backbone',
                        action='store_true', default=None,
                        help='add a compiled-backbone row (default on CUDA)')
    parser.add_argument('--no-compile', dest='compile_backbone',
                        action='store_false')
    parser.add_argument('--compile-backend', default='inductor',
                        help='torch.compile backend of that row (eager: '
                        'trace only, for a quick check of the code path)')
    parser.add_argument('--component-reps', type=int, default=50)
    parser.add_argument('--pipeline-samples', type=int, default=200)
    parser.add_argument('--pipeline-rounds', type=int, default=3)
    parser.add_argument('--epoch-workers', type=int, default=2,
                        help='workers of the DataLoader-epochs table '
                        '(0: skip it)')
    parser.add_argument('--epochs', type=int, default=2,
                        help='epochs of the DataLoader-epochs table')
    parser.add_argument('--skip-steps', action='store_true')
    parser.add_argument('--loader-check', action='store_true',
                        help='real DataLoader feeding train steps (a GPU '
                        'figure; on a CPU only a check that it runs)')
    parser.add_argument('--loader-workers', type=int, default=2)
    parser.add_argument('--loader-batch', type=int, default=128)
    parser.add_argument('--loader-iters', type=int, default=20)
    parser.add_argument('--loader-clip-len', type=int, default=CLIP_LEN,
                        help='frames of the loader check\'s clips (the '
                        'configs\' 64; smaller for a CPU dry run)')
    parser.add_argument('--json', default=None, metavar='OUT',
                        help='also write every figure to this JSON file')
    return parser.parse_args()


def _print_steps(results: Dict, batch_size: int, clip_len: int) -> Dict:
    """Print one train-step table; return it as a ``--json`` section."""
    times, peaks = results['times'], results['peaks']
    names = list(times)
    stock = median_ms(times[names[0]])
    print(f'\n## Train step, B={batch_size}, inputs (B, 1, 2, {clip_len}, '
          f'25, 3), median of {len(times[names[0]])} interleaved rounds')
    header = '| variant | ms / step | samples / s | speed vs stock |'
    rule = '|---|---|---|---|'
    if peaks:
        header += ' peak step memory (MiB) | memory vs stock |'
        rule += '---|---|'
    print(header + '\n' + rule)
    rows = []
    for name in names:
        ms = median_ms(times[name])
        row = dict(variant=name,
                   ms=ms,
                   ms_min=1e3 * min(times[name]),
                   samples_per_s=1e3 * batch_size / ms,
                   speed_vs_stock=stock / ms)
        line = (f"| {name} | {ms:.1f} (min {row['ms_min']:.1f}) | "
                f"{row['samples_per_s']:.1f} | {row['speed_vs_stock']:.3f}x |")
        if peaks:
            row.update(peak_step_mib=peaks[name],
                       peak_total_mib=results['peaks_total'][name],
                       memory_vs_stock=peaks[name] / peaks[names[0]])
            line += f" {peaks[name]:.0f} | {row['memory_vs_stock']:.3f}x |"
        print(line)
        rows.append(row)
    return dict(batch_size=batch_size, clip_len=clip_len,
                rounds=len(times[names[0]]), stock_ms=stock, rows=rows)


def run_steps(args, device: torch.device, report: Report, reps: int,
              warmup: int, amp_dtypes: Sequence[str],
              compile_backend: Optional[str],
              clip_lens: Sequence[int]) -> List[Variant]:
    """Sections ``steps`` and ``components``; returns the variants."""
    variants = build_variants(device, amp_dtypes, compile_backend)
    tables, stock_ms = [], {}
    for batch_size, clip_len in zip(args.batch_sizes, clip_lens):
        results = bench_steps(variants, batch_size, clip_len, reps, warmup,
                              device)
        table = _print_steps(results, batch_size, clip_len)
        stock_ms[batch_size] = table['stock_ms']
        tables.append(table)
        report.add('steps', tables)
        print(f'# load average after this table: {load_average()}')

    brl_model = variants[2].model
    print('\n## BRL components on their own (median ms), share of the '
          'stock step')
    print('| B | mixup call | ActionAwareLoss - CE (fwd+bwd) | hook '
          'per epoch (per step) | components / stock step |')
    print('|---|---|---|---|---|')
    rows = []
    for batch_size, clip_len in zip(args.batch_sizes, clip_lens):
        c = bench_components(device, batch_size, args.component_reps,
                             brl_model)
        extra = c['mix'] + max(c['aa'] - c['ce'], 0) + c['hook_step']
        share = 100 * extra / stock_ms[batch_size]
        rows.append(dict(c, batch_size=batch_size, clip_len=clip_len,
                         stock_step_ms=stock_ms[batch_size],
                         share_pct=share))
        report.add('components', rows)
        note = ('' if clip_len == CLIP_LEN else
                f' (step at T={clip_len}: the share at T=64 is smaller)')
        print(f"| {batch_size} | {c['mix']:.3f} | "
              f"{c['aa']:.3f} - {c['ce']:.3f} | {c['hook_epoch']:.3f} "
              f"({c['hook_step'] * 1e3:.4f} us, {c['iters']} it/epoch) "
              f"| {share:.4f}%{note} |")
    return variants


def run_loader_check(args, device: torch.device, variants: List[Variant],
                     report: Report) -> None:
    """Section ``loader_check``: stock and BRL (bf16 where measured) steps
    fed by a real DataLoader."""
    if not variants:
        raise SystemExit('--loader-check needs the train-step variants')
    if device.type != 'cuda':
        print('\n# loader check on a CPU: the workers and the step share '
              'the same cores, so this only checks that it runs')
    names = [v.name for v in variants]
    brl = next((v for v in variants if v.name == 'BRL recipe bf16'),
               variants[names.index('BRL recipe fp32 (same math)')])
    rows = []
    for variant, pipeline, brl_loader in (
            (variants[0], build_pipeline(brl=False,
                                         clip_len=args.loader_clip_len),
             False),
            (brl, brl_train_pipeline(clip_len=args.loader_clip_len), True)):
        check = loader_check(variant, pipeline, args.loader_batch,
                             args.loader_workers, args.loader_iters, device,
                             brl_loader)
        rows.append(dict(check, variant=variant.name,
                         workers=args.loader_workers,
                         batch_size=args.loader_batch,
                         clip_len=args.loader_clip_len,
                         iters=args.loader_iters,
                         loader='BRL config' if brl_loader else 'stock'))
        report.add('loader_check', rows)
        share = check['gpu_idle_share']
        idle = ('' if share is None else
                f', GPU idle between steps {100 * share:.1f}%')
        print(f'\n# loader check {variant.name}: {args.loader_workers} '
              f'workers, B={args.loader_batch}, T={args.loader_clip_len}: '
              'waits for data '
              f"{100 * check['wait_share']:.1f}% of the loop{idle}, "
              f"{check['samples_per_s']:.0f} samples/s")


def run_pipelines(args, report: Report) -> None:
    """Section ``pipelines``: per-sample time of each pipeline."""
    per_sample = bench_pipelines(args.pipeline_samples, args.pipeline_rounds)
    report.add('pipelines', dict(samples=args.pipeline_samples,
                                 rounds=args.pipeline_rounds,
                                 ms_per_sample=per_sample))
    base = per_sample['stock']
    print(f'\n## Pipeline per sample ({args.pipeline_samples} NTU-shaped '
          f'samples, T 30..300, M 1-2, median of {args.pipeline_rounds} '
          'interleaved rounds, one process = one worker)')
    print('| pipeline | ms / sample | samples / s per worker | vs stock | '
          'workers for 933/s | workers for 1195/s |')
    print('|---|---|---|---|---|---|')
    labels = {
        'stock': 'stock mmaction2',
        'brl_stock_transforms': 'BRL, stock transforms (PreNormalize3D, '
        'UniformSampleFrames)',
        'brl_cold': 'BRL config, cache miss (computed)',
        'brl_disk_write': 'BRL config, disk cache: miss + write',
        'brl_warm_memory': 'BRL config, memory cache hit',
        'brl_warm_disk': 'BRL config, disk cache hit',
    }
    for key, label in labels.items():
        ms = per_sample[key]
        print(f'| {label} | {ms:.3f} | {1e3 / ms:.0f} | {ms / base:.3f}x | '
              f'{math.ceil(933 * ms / 1e3)} | {math.ceil(1195 * ms / 1e3)} |')
    print('# 933 / 1195 samples/s: stock ST-GCN++ fp32 / fp16 at B=128 on an '
          'H100 as quoted by the architecture note (not measured here)')


def run_loader_epochs(args, report: Report) -> None:
    """Section ``loader_epochs``: real DataLoader epochs per pipeline."""
    epochs = bench_loader_epochs(args.pipeline_samples, args.epoch_workers,
                                 args.epochs)
    report.add('loader_epochs', dict(samples=args.pipeline_samples,
                                     workers=args.epoch_workers,
                                     results=epochs))
    print(f'\n## DataLoader epochs: {args.pipeline_samples} samples, '
          f'{args.epoch_workers} workers restarted every epoch '
          '(persistent_workers=False), B=16; ms per sample per worker '
          '(= epoch wall x workers / samples)')
    print('| pipeline | ' + ' | '.join(
        f'epoch {e + 1}' for e in range(args.epochs)) +
        ' | samples / s per worker (last epoch) | first batch s '
        '(start-up) | one-off warm-up s |')
    print('|---|' + '---|' * (args.epochs + 3))
    names = {'stock': 'stock mmaction2 (pseudo_collate)',
             'brl_cold': 'BRL pipeline, no warm-up, pseudo_collate',
             'brl_warm': 'BRL pipeline + warm-up, pseudo_collate',
             'brl_config': 'BRL config: + warm-up + compact_collate'}
    for key, label in names.items():
        row = epochs[key]
        print(f'| {label} | ' +
              ' | '.join(f'{ms:.3f}' for ms in row['ms']) +
              f" | {1e3 / row['ms'][-1]:.0f} | "
              f"{row['first_batch_s']:.3f} | {row['warm_s']:.2f} |")


def main() -> None:
    args = _parse()
    device = torch.device(args.device
                          or ('cuda' if torch.cuda.is_available() else 'cpu'))
    cuda = device.type == 'cuda'
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    np.random.seed(0)
    random.seed(0)
    reps = args.reps or (30 if cuda else 3)
    warmup = args.warmup if args.warmup is not None else (5 if cuda else 1)
    amp_dtypes = (args.amp_dtypes if args.amp_dtypes is not None else
                  (['float16', 'bfloat16'] if cuda else ['bfloat16']))
    compile_backbone = (cuda if args.compile_backbone is None else
                        args.compile_backbone)
    compile_backend = args.compile_backend if compile_backbone else None
    clip_lens = args.clip_lens or [
        CLIP_LEN if cuda or b <= 16 else 16 for b in args.batch_sizes
    ]
    if len(clip_lens) != len(args.batch_sizes):
        raise SystemExit('--clip-lens needs one T per batch size')

    start = time.perf_counter()
    report = Report(args.json)
    report.add('environment', dict(environment_info(device),
                                   arguments=vars(args), reps=reps,
                                   warmup=warmup, amp_dtypes=amp_dtypes,
                                   compile_backend=compile_backend))
    print(environment_header('bench_train_speed', device))
    variants = []
    if not args.skip_steps:
        variants = run_steps(args, device, report, reps, warmup, amp_dtypes,
                             compile_backend, clip_lens)
    if args.loader_check:
        run_loader_check(args, device, variants, report)
    run_pipelines(args, report)
    if args.epoch_workers:
        run_loader_epochs(args, report)
    total = time.perf_counter() - start
    report.add('total_s', total)
    print(f'\n# total {total:.1f} s, load average {load_average()}')


if __name__ == '__main__':
    main()
