"""Does BRL help on long-tailed skeleton data? An ablation on the embedded
synthetic dataset (issue 10).

Trains every method of :data:`METHODS` on the synthetic long-tailed NTU-25
data (``brl_mm.datasets.generate_synthetic_lt``, imbalance factors 100 and
10) for several seeds with mmengine's Runner, tests it (per-sample dump) and
reports top-1, mean class and many / medium / few accuracy (spec thresholds:
many > 100, few < 20 training samples) as mean and spread over the seeds,
plus the 2s / 4s / 6s fusions of BRL's streams
(:mod:`brl_mm.evaluation.fusion`).

Methods are data: each one is a few overrides (pipeline parts, blending,
loss, input stream) of the repository's BRL config of the chosen size
(``configs/brl/synthetic_lt_cpu.py`` reduced further for the default CPU
size, ``configs/brl/synthetic_lt.py`` for ``--full``); the CE-based ones drop
BRL's blending and loss exactly like
``configs/brl/baselines/synthetic_lt_ce_cpu.py``.

Every (method, IF, seed) run writes ``result.json`` and the test dump into
``<out>/runs/<method>-if<IF>-s<seed>-<hash>/``, the hash covering the whole
training/test config and the data file, so a rerun skips finished runs and a
changed config never reuses (or overwrites) another config's result.

Usage::

    # the default: reduced size, 2 IFs x 3 seeds x 9 methods + 5 BRL streams
    python benchmarks/lt_effect.py --jobs 2 --docs
    # a smoke run (tiny data and model, about a minute)
    python benchmarks/lt_effect.py --quick --seeds 0 --ifs 100
    # the README demo's size, CE vs BRL (about 20 min per run)
    python benchmarks/lt_effect.py --demo --ifs 100 --methods ce brl --out work_dirs/lt_effect_demo
    # full-size ST-GCN++ and BRL's 24x5-epoch schedule (for a GPU)
    python benchmarks/lt_effect.py --full --out work_dirs/lt_effect_full
"""
import argparse
import copy
import hashlib
import json
import math
import os
import os.path as osp
import platform
import subprocess
import sys
import threading
import time
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)

BRL_CONFIGS = {
    'cpu': osp.join(REPO, 'configs/brl/synthetic_lt_cpu.py'),
    'quick': osp.join(REPO, 'configs/brl/synthetic_lt_cpu.py'),
    'demo': osp.join(REPO, 'configs/brl/synthetic_lt_cpu.py'),
    'full': osp.join(REPO, 'configs/brl/synthetic_lt.py'),
}

#: Model / schedule size per mode. ``None`` keeps the config's value.
#: ``cpu`` is the default: ST-GCN++ at width 8 with 6 stages (widening and
#: downsampling at stages 3 and 5), 16-frame clips, 5 epochs over the
#: training set (DAA stage 2 = the last epoch, 20%), batch 16 with the
#: config's learning rate, single-clip test. 46-90 s per run measured with
#: two runs in parallel on a shared, loaded 2-core VM (docs/benchmarks.md).
#: ``demo`` is the model and schedule of configs/brl/synthetic_lt_cpu.py,
#: the README's demo (width 32, 10 stages, T=64, 8 epochs), tested with the
#: config's 10-clip ``test_pipeline`` (the demo itself validates 1 clip);
#: 21-26 min per run with two runs in parallel, one thread each, on 2 cores.
#: ``full`` is configs/brl/synthetic_lt.py as is (24 epochs x 5 repeats,
#: 10-clip test).
SIZES: Dict[str, Dict] = {
    'cpu': dict(base_channels=8, num_stages=6, inflate_stages=[3, 5],
                clip_len=16, max_epochs=5, times=None, test_clips=1),
    'quick': dict(base_channels=8, num_stages=3, inflate_stages=[2, 3],
                  clip_len=8, max_epochs=2, times=1, test_clips=1),
    'demo': dict(base_channels=None, num_stages=None, inflate_stages=None,
                 clip_len=None, max_epochs=None, times=None,
                 test_clips=None),
    'full': dict(base_channels=None, num_stages=None, inflate_stages=None,
                 clip_len=None, max_epochs=None, times=None,
                 test_clips=None),
}

#: Data size per mode: arguments of generate_synthetic_lt besides the IF.
#: Only ``quick`` shrinks the data (for the smoke test); the benchmark runs on
#: the generator's defaults.
DATA_SIZES: Dict[str, Dict] = {
    'cpu': dict(),
    'demo': dict(),
    'full': dict(),
    'quick': dict(num_classes=4, n_max=100, val_per_class=4, train_subjects=6,
                  val_subjects=4),
}

_CE = dict(blending=False, loss=dict(type='CrossEntropyLoss'))
#: name -> (description, overrides of the BRL config). Keys: ``stae``
#: (RandomScale/RandomRot/SpatialFlip in the train pipeline), ``temporal``
#: (TemporalReverse probability, 0 = off), ``blending`` (keep BRL's
#: rebalanced partial mixup), ``loss`` (replaces cls_head.loss_cls; absent =
#: BRL's ActionAwareLoss), ``stream`` (input modality), ``lr_scale``
#: (multiplies the optimizer's learning rate).
METHODS: Dict[str, Tuple[str, Dict]] = {
    'ce': ('plain CE (stock pipeline)', dict(_CE, stae=False)),
    'ce_stae': ('CE + STAE transforms', dict(_CE, stae=True)),
    'ce_stae_mix': ('CE + STAE + rebalanced partial mixup',
                    dict(_CE, stae=True, blending=True)),
    'brl': ('BRL (STAE + mixup + DAA), joint', dict()),
    'brl_tr': ('BRL + TemporalReverse(p=0.5)', dict(temporal=0.5)),
    'cb': ('class-balanced CE, DRW (beta 0.9999)',
           dict(_CE, stae=False, loss=dict(type='ClassBalancedLoss'))),
    'focal': ('focal (gamma 2), two-stage',
              dict(_CE, stae=False, loss=dict(type='FocalLoss'))),
    'ldam_drw': ('LDAM-DRW',
                 dict(_CE, stae=False, loss=dict(type='LDAMLoss'))),
    'bsm': ('balanced softmax',
            dict(_CE, stae=False, loss=dict(type='BalancedSoftmaxLoss'))),
    # diagnostics (not in the default run): the AA weights from epoch 1
    'brl_aa_all': ('BRL, AA weights in every epoch (no DAA detachment)',
                   dict(loss=dict(type='ActionAwareLoss', two_stage=False))),
    # LDAM scales the logits by s=30, meant for a cosine head; on the linear
    # GCN head that multiplies the effective learning rate by about 30
    'ldam_drw_lr30': ('LDAM-DRW, learning rate / 30',
                      dict(_CE, stae=False, loss=dict(type='LDAMLoss'),
                           lr_scale=1 / 30)),
    # BRL's other streams (for the 2s / 4s / 6s fusions)
    'brl_b': ('BRL, bone', dict(stream='b')),
    'brl_k': ('BRL, skip bone', dict(stream='k')),
    'brl_jm': ('BRL, joint motion', dict(stream='jm')),
    'brl_bm': ('BRL, bone motion', dict(stream='bm')),
    'brl_km': ('BRL, skip motion', dict(stream='km')),
}
#: The methods of the main table (the streams only feed the fusions).
TABLE_METHODS = ('ce', 'ce_stae', 'ce_stae_mix', 'brl', 'brl_tr', 'cb',
                 'focal', 'ldam_drw', 'bsm')
#: Diagnostic variants, reported after the main rows when they were run.
DIAGNOSTIC_METHODS = ('brl_aa_all', 'ldam_drw_lr30')
#: BRL stream -> method name.
STREAM_METHODS = {'j': 'brl', 'b': 'brl_b', 'k': 'brl_k', 'jm': 'brl_jm',
                  'bm': 'brl_bm', 'km': 'brl_km'}
FUSIONS = ('2s', '4s', '6s')
METRICS = ('top1', 'mean_class', 'many', 'medium', 'few')
#: Reported columns: METRICS plus ``tail``, the mean accuracy of the rarest
#: quarter of the classes (5 of 20), which stays defined when the few group
#: (< 20 samples) is empty, as at IF=10 with n_max 200.
REPORT_METRICS = METRICS + ('tail', )
TAIL_SHARE = 0.25
DEFAULT_OUT = osp.join('work_dirs', 'lt_effect')


# ------------------------------------------------------------ configs
def data_file(out: str, imbalance_factor: float, mode: str) -> str:
    """Path of the synthetic pickle of one IF (generated on demand)."""
    tag = f'{imbalance_factor:g}'
    suffix = '_quick' if DATA_SIZES[mode] else ''
    return osp.join(out, 'data', f'synthetic_lt_if{tag}{suffix}.pkl')


def ensure_data(out: str, imbalance_factor: float, mode: str) -> str:
    """Generate the dataset of one IF unless it exists; return its path."""
    path = data_file(out, imbalance_factor, mode)
    if not osp.exists(path):
        from brl_mm.datasets.synthetic import generate_synthetic_lt
        os.makedirs(osp.dirname(path), exist_ok=True)
        tmp = path + f'.tmp{os.getpid()}.pkl'
        generate_synthetic_lt(tmp, imbalance_factor=imbalance_factor,
                              **DATA_SIZES[mode])
        os.replace(tmp, path)
    return path


_SAMPLERS = ('UniformSampleFrames', 'FastUniformSampleFrames')
_FEATURES = ('GenSkeFeat', 'GenSkeFeatK')


def _adapt(pipeline: Sequence[Dict], stream: str, clip_len: int,
           num_clips: Optional[int] = None) -> List[Dict]:
    """A config pipeline with another stream, clip length and clip count.

    GenSkeFeatK is mmaction's GenSkeFeat plus k / km (identical arrays for
    j, b, jm, bm), so every stream uses it.
    """
    steps = []
    for step in copy.deepcopy(list(pipeline)):
        if step['type'] == 'PreNormalize3D':  # bit-identical, cached
            step = dict(step, type='CachedPreNormalize3D')
        elif step['type'] in _FEATURES:
            step = dict(step, type='GenSkeFeatK', feats=[stream])
        elif step['type'] in _SAMPLERS:
            step['clip_len'] = clip_len
            if num_clips is not None:
                step['num_clips'] = num_clips
        steps.append(step)
    return steps


def _pipelines(cfg, method: Dict, clip_len: int,
               test_clips: Optional[int]) -> Tuple[List, List]:
    """Train and test pipelines of a method, from the config's own
    ``train_pipeline`` (STAE), ``stock_train_pipeline`` and
    ``test_pipeline``."""
    stream = method.get('stream', 'j')
    base = cfg.train_pipeline if method.get('stae', True) else \
        cfg.stock_train_pipeline
    train = _adapt(base, stream, clip_len)
    if method.get('temporal', 0):
        at = [s['type'] for s in train].index('GenSkeFeatK')
        train.insert(at, dict(type='TemporalReverse', p=method['temporal']))
    test = _adapt(cfg.test_pipeline, stream, clip_len, test_clips)
    return train, test


def load_config(path: str):
    """``Config.fromfile`` without yapf formatting of the config text.

    The Runner formats the text up to six times per run (log, dump, every
    checkpoint, the visualizer), about 9 s each on a loaded core: more than
    a reduced-size training run. brl_mm's ``config_format_flag`` shim makes
    mmengine honour ``format_python_code=False``, as tools/train.py uses it.
    """
    import brl_mm  # noqa: F401  (the shim)
    from mmengine.config import Config
    return Config.fromfile(path, format_python_code=False)


def build_config(method_name: str, mode: str, ann_file: str, seed: int,
                 work_dir: str, dump_file: Optional[str] = None):
    """The mmengine Config of one run.

    Args:
        method_name (str): A key of :data:`METHODS`.
        mode (str): A key of :data:`SIZES` (``cpu``, ``quick``, ``demo``,
            ``full``).
        ann_file (str): The synthetic pickle.
        seed (int): Random seed of the run.
        work_dir (str): The run's work dir.
        dump_file (str, optional): Per-sample test dump (``DumpResults``).

    Returns:
        mmengine.Config: Ready for ``Runner.from_cfg``.
    """
    import brl_mm  # noqa: F401  (registration, compat shims)
    from mmengine.config import Config

    method = METHODS[method_name][1]
    size = SIZES[mode]
    cfg = load_config(BRL_CONFIGS[mode])
    num_classes = _num_classes(ann_file)
    model = cfg.model
    backbone = model.backbone
    for key in ('base_channels', 'num_stages', 'inflate_stages'):
        if size[key] is not None:
            backbone[key] = copy.deepcopy(size[key])
    if size['inflate_stages'] is not None:  # downsample where it widens
        backbone.down_stages = copy.deepcopy(size['inflate_stages'])
    # ST-GCN++ doubles the width at each of its inflate stages (2 by default)
    inflate = len(backbone.get('inflate_stages', [5, 8]))
    ratio = backbone.get('ch_ratio', 2)
    model.cls_head.in_channels = backbone.get('base_channels', 64) * ratio**inflate
    model.cls_head.num_classes = num_classes
    if method.get('blending', True):
        model.data_preprocessor.blending.num_classes = num_classes
    else:
        model.data_preprocessor = dict(type='ActionDataPreprocessor')
    if 'loss' in method:
        model.cls_head.loss_cls = copy.deepcopy(method['loss'])
    if 'lr_scale' in method:
        cfg.optim_wrapper.optimizer.lr *= method['lr_scale']

    clip_len = size['clip_len'] or cfg.clip_len
    test_clips = size['test_clips']
    train_pipeline, test_pipeline = _pipelines(cfg, method, clip_len,
                                               test_clips)
    train_loader = cfg.train_dataloader
    if size['times'] is not None:
        train_loader.dataset.times = size['times']
    inner = train_loader.dataset.dataset
    inner.update(ann_file=ann_file, num_classes=num_classes,
                 pipeline=train_pipeline)
    test_loader = cfg.test_dataloader
    test_loader.dataset.update(ann_file=ann_file, num_classes=num_classes,
                               pipeline=test_pipeline)
    if mode != 'full':
        test_loader.batch_size = 16
        for loader in (train_loader, test_loader):
            loader.update(num_workers=0, persistent_workers=False)
        # No worker processes here, so the loader speed-ups do nothing: the
        # warm-up would only move the (cached, bit-identical) normalization
        # before epoch 1 and no batch is pickled. Leaving them out keeps the
        # configs, hence the run hashes, of the measured runs.
        cfg.custom_hooks = [h for h in cfg.custom_hooks
                            if h['type'] != 'WarmNormalizeCacheHook']
        for loader in (train_loader, test_loader):
            if loader.get('collate_fn') == dict(type='compact_collate'):
                loader.pop('collate_fn')

    max_epochs = size['max_epochs'] or cfg.train_cfg.max_epochs
    # No validation: the val split is the test split, and selecting a
    # checkpoint on it would leak. The last epoch is tested.
    cfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs,
                         val_interval=max_epochs + 1)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    # same schedule shape as BRL: cosine to 0 over the run
    cfg.param_scheduler = [
        dict(type='CosineAnnealingLR', eta_min=0, T_max=max_epochs,
             by_epoch=True, convert_to_iter_based=True)
    ]
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook',
                                        interval=max_epochs, max_keep_ckpts=1)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=50,
                                    ignore_last=False)
    evaluators = [dict(type='LongTailMetric', plot=False)]
    if dump_file is not None:
        evaluators.append(dict(type='DumpResults', out_file_path=dump_file))
    cfg.test_evaluator = evaluators
    cfg.randomness = dict(seed=int(seed))
    cfg.work_dir = work_dir
    cfg.env_cfg.dist_cfg = dict(backend='gloo')
    return cfg


_NUM_CLASSES_CACHE: Dict[str, int] = {}


def _load_meta(ann_file: str) -> Dict:
    import pickle
    with open(ann_file, 'rb') as f:
        data = pickle.load(f)
    return data


def _num_classes(ann_file: str) -> int:
    if ann_file not in _NUM_CLASSES_CACHE:
        _NUM_CLASSES_CACHE[ann_file] = len(train_counts_of(ann_file))
    return _NUM_CLASSES_CACHE[ann_file]


def train_counts_of(ann_file: str) -> List[int]:
    """Training samples per class of a synthetic pickle (its xsub_train)."""
    data = _load_meta(ann_file)
    train = set(data['split']['xsub_train'])
    labels = [a['label'] for a in data['annotations']
              if a['frame_dir'] in train]
    num_classes = len(data.get('classes') or []) or max(labels) + 1
    return np.bincount(labels, minlength=num_classes).tolist()


def config_hash(cfg, ann_file: str) -> str:
    """Hash of everything that defines a run's result (not its paths)."""
    text = copy.deepcopy(cfg)
    text.work_dir = ''
    text.test_evaluator = [e for e in text.test_evaluator
                           if e['type'] != 'DumpResults']
    h = hashlib.sha1(text.pretty_text.replace(ann_file, 'DATA').encode())
    with open(ann_file, 'rb') as f:
        h.update(hashlib.sha1(f.read()).digest())
    return h.hexdigest()[:10]


# ------------------------------------------------------------ one run
def run_dir(out: str, method_name: str, imbalance_factor: float, seed: int,
            digest: str) -> str:
    """``<out>/runs/<method>-if<IF>-s<seed>-<hash>``."""
    return osp.join(out, 'runs', f'{method_name}-if{imbalance_factor:g}-'
                    f's{seed}-{digest}')


def metrics_of(scores: np.ndarray, labels: np.ndarray,
               counts: Sequence[int]) -> Dict:
    """top1, top5, mean_class, many, medium, few (fractions) and per_class."""
    from brl_mm.evaluation import long_tail_accuracy
    res = long_tail_accuracy(scores, labels, train_counts=counts)
    out = {k: float(res[k]) for k in ('top1', 'top5') + METRICS[1:]}
    out['per_class'] = [float(v) for v in res['per_class']]
    out['tail'] = tail_accuracy(out['per_class'], counts)
    return out


def tail_accuracy(per_class: Sequence[float], counts: Sequence[int],
                  share: float = TAIL_SHARE) -> float:
    """Mean accuracy of the ``share`` of classes with the fewest training
    samples (at least one class; ties broken by class index)."""
    k = max(1, int(round(share * len(counts))))
    rarest = np.argsort(np.asarray(counts), kind='stable')[:k]
    values = np.asarray(per_class, dtype=np.float64)[rarest]
    return float(np.nanmean(values)) if np.isfinite(values).any() \
        else float('nan')


def prepare_run(out: str, method_name: str, mode: str,
                imbalance_factor: float, seed: int) -> Tuple[str, bool]:
    """Build a run's config, write it into its run dir (so every run of an
    invocation uses the configs as they were when it started).

    Returns:
        tuple: ``(run dir, done)``; ``done`` when its result.json exists.
    """
    ann_file = osp.abspath(ensure_data(out, imbalance_factor, mode))
    cfg = build_config(method_name, mode, ann_file, seed, '')
    digest = config_hash(cfg, ann_file)
    rdir = osp.abspath(run_dir(out, method_name, imbalance_factor, seed,
                               digest))
    if osp.exists(osp.join(rdir, 'result.json')):
        return rdir, True
    if osp.exists(osp.join(rdir, 'run.json')):
        # prepared before (same hash, so the same config): never rewrite a
        # config a worker of another invocation may be reading
        return rdir, False
    os.makedirs(rdir, exist_ok=True)
    cfg = build_config(method_name, mode, ann_file, seed, rdir,
                       osp.join(rdir, 'test_dump.pkl'))
    cfg.dump(osp.join(rdir, 'config.py'))
    meta = dict(method=method_name, mode=mode, imbalance_factor=
                imbalance_factor, seed=seed, hash=digest, ann_file=ann_file)
    tmp = osp.join(rdir, 'run.json.tmp')
    with open(tmp, 'w') as f:
        json.dump(meta, f, indent=1)
    os.replace(tmp, osp.join(rdir, 'run.json'))  # written last
    return rdir, False


def train_and_test(rdir: str, threads: int = 1) -> Dict:
    """Train a prepared run with mmengine's Runner, test its last epoch and
    write ``result.json`` (metrics, per-class accuracy, counts, times)."""
    import torch
    torch.set_num_threads(threads)
    import brl_mm  # noqa: F401
    from mmengine.config import Config
    from mmengine.runner import Runner

    from brl_mm.evaluation import load_dump
    with open(osp.join(rdir, 'run.json')) as f:
        meta = json.load(f)
    cfg = load_config(osp.join(rdir, 'config.py'))
    start = time.perf_counter()
    runner = Runner.from_cfg(cfg)
    runner.train()
    train_s = time.perf_counter() - start
    runner.test()
    wall = time.perf_counter() - start
    counts = train_counts_of(meta['ann_file'])
    scores, labels, _ = load_dump(osp.join(rdir, 'test_dump.pkl'))
    result = dict(meta, train_counts=counts, train_s=round(train_s, 1),
                  wall_s=round(wall, 1), threads=threads,
                  **metrics_of(scores, labels, counts))
    tmp = osp.join(rdir, 'result.json.tmp')
    with open(tmp, 'w') as f:
        json.dump(result, f, indent=1)
    os.replace(tmp, osp.join(rdir, 'result.json'))
    return result


class Worker:
    """A worker process that trains prepared runs one after the other
    (``lt_effect.py --worker THREADS``: run dirs in on stdin, ``OK`` /
    ``FAIL`` lines out), so imports and data caches are paid once per job
    slot, not once per run. Each run's output goes to its ``worker.log``."""

    def __init__(self, threads: int) -> None:
        env = dict(os.environ, OMP_NUM_THREADS=str(threads),
                   MKL_NUM_THREADS=str(threads))
        self.proc = subprocess.Popen(
            [sys.executable, osp.abspath(__file__), '--worker', str(threads)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
            cwd=REPO, text=True, bufsize=1)

    def run(self, rdir: str) -> bool:
        """Train one run; False if it failed (or the worker died)."""
        try:
            self.proc.stdin.write(rdir + '\n')
            self.proc.stdin.flush()
            reply = self.proc.stdout.readline()
        except (BrokenPipeError, OSError):
            return False
        return reply.startswith('OK')

    def close(self) -> None:
        """End the worker."""
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        self.proc.wait()


def _worker_loop(threads: int) -> int:
    """The worker side of :class:`Worker`."""
    import traceback
    reply = os.fdopen(os.dup(1), 'w', buffering=1)
    for line in sys.stdin:
        rdir = line.strip()
        if not rdir:
            continue
        log = os.open(osp.join(rdir, 'worker.log'),
                      os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        try:
            train_and_test(rdir, threads)
            ok = True
        except Exception:  # reported in the run's log, the others go on
            traceback.print_exc()
            ok = False
        sys.stdout.flush()
        sys.stderr.flush()
        reply.write(('OK ' if ok else 'FAIL ') + rdir + '\n')
    return 0


# ------------------------------------------------------------ aggregation
def aggregate(values: Sequence[float]) -> Dict[str, float]:
    """Mean, sample standard deviation (ddof=1; 0 for one value), min, max
    and count of the finite values (NaN entries are left out)."""
    v = np.asarray([x for x in values if x is not None], dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size == 0:
        nan = float('nan')
        return dict(mean=nan, std=nan, min=nan, max=nan, n=0)
    return dict(mean=float(v.mean()),
                std=float(v.std(ddof=1)) if v.size > 1 else 0.0,
                min=float(v.min()), max=float(v.max()), n=int(v.size))


def summarize(per_seed: Sequence[Dict]) -> Dict:
    """Aggregate a row's per-seed results metric by metric; per-class
    accuracy is averaged over the seeds."""
    row = {m: aggregate([r.get(m) for r in per_seed])
           for m in REPORT_METRICS}
    row['seeds'] = [r.get('seed') for r in per_seed]
    if per_seed:
        row['per_class'] = np.nanmean(
            np.array([r['per_class'] for r in per_seed], dtype=np.float64),
            axis=0).tolist()
    return row


def fuse_seed(results: Dict[str, Dict], preset: str) -> Optional[Dict]:
    """The fused result of one seed's BRL streams (None if one is missing).

    Args:
        results (dict): ``{method: result}`` of one IF and seed.
        preset (str): ``2s``, ``4s`` or ``6s`` (brl_mm.evaluation.fusion).
    """
    from brl_mm.evaluation import fuse_scores, load_streams, preset_weights
    names, weights = preset_weights(preset)
    runs = [results.get(STREAM_METHODS[n]) for n in names]
    if any(r is None for r in runs):
        return None
    dumps = [osp.join(r['run_dir'], 'test_dump.pkl') for r in runs]
    scores, labels, _ = load_streams(dumps)
    counts = runs[0]['train_counts']
    return dict(metrics_of(fuse_scores(scores, weights), labels, counts),
                seed=runs[0]['seed'], method=f'brl_{preset}')


def plan(out: str, mode: str, ifs: Sequence[float], seeds: Sequence[int],
         methods: Sequence[str]) -> List[Dict]:
    """Every (IF, seed, method) run of an invocation, in training order
    (IF by IF, seed by seed), each prepared with the configs as they are now.

    Returns:
        list[dict]: ``imbalance_factor``, ``seed``, ``method``, ``run_dir``
        and ``done`` (its result.json exists) per run.
    """
    runs = []
    for imbalance_factor in ifs:
        for seed in seeds:
            for method_name in methods:
                rdir, done = prepare_run(out, method_name, mode,
                                         imbalance_factor, seed)
                runs.append(dict(imbalance_factor=imbalance_factor,
                                 seed=seed, method=method_name,
                                 run_dir=rdir, done=done))
    return runs


def _stale_result(rdir: str) -> Optional[str]:
    """The newest result.json of the same (method, IF, seed) under another
    config hash, if any."""
    import glob
    stem = osp.basename(rdir).rsplit('-', 1)[0]
    found = [p for p in glob.glob(osp.join(osp.dirname(rdir), stem + '-*',
                                           'result.json'))
             if osp.dirname(p) != rdir]
    return max(found, key=osp.getmtime) if found else None


def collect(runs: Sequence[Dict], stale_ok: bool = False) -> Dict:
    """Results of the finished runs of a :func:`plan`, by IF.

    Args:
        runs (Sequence[dict]): The plan.
        stale_ok (bool): For a run without a result under its current
            config hash, take the newest result of the same (method, IF,
            seed) under another hash (e.g. after someone edited a config the
            runs inherit); such rows are listed in ``stale``.

    Returns:
        dict: ``{IF: {'rows': {row: summary}, 'runs': {method: {seed:
        result}}, 'train_counts': [...], 'missing': [(method, seed)],
        'stale': [(method, seed)]}}``.
    """
    report = {}
    for run in runs:
        entry = report.setdefault(run['imbalance_factor'], dict(
            runs={}, missing=[], stale=[], train_counts=None))
        key = (run['method'], run['seed'])
        path = osp.join(run['run_dir'], 'result.json')
        if not osp.exists(path):
            path = _stale_result(run['run_dir']) if stale_ok else None
            if path is None:
                entry['missing'].append(key)
                continue
            entry['stale'].append(key)
        with open(path) as f:
            result = json.load(f)
        result['run_dir'] = osp.dirname(path)
        # results written before the tail column existed
        result.setdefault('tail', tail_accuracy(result['per_class'],
                                                result['train_counts']))
        entry['train_counts'] = result['train_counts']
        entry['runs'].setdefault(run['method'], {})[run['seed']] = result
    for entry in report.values():
        runs_by_method = entry['runs']
        seeds = sorted({s for r in runs_by_method.values() for s in r})
        rows = {}
        for method_name in TABLE_METHODS + DIAGNOSTIC_METHODS:
            if method_name in runs_by_method:
                rows[method_name] = summarize(
                    [runs_by_method[method_name][s]
                     for s in sorted(runs_by_method[method_name])])
        for preset in FUSIONS:
            fused = [fuse_seed({m: r[seed] for m, r in runs_by_method.items()
                                if seed in r}, preset) for seed in seeds]
            fused = [f for f in fused if f is not None]
            if fused:
                rows[f'brl_{preset}'] = summarize(fused)
        entry['rows'] = rows
    return report


# ------------------------------------------------------------ report
ROW_LABELS = dict({k: v[0] for k, v in METHODS.items()},
                  brl_2s='BRL 2s fusion (J:B 1:1)',
                  brl_4s='BRL 4s fusion (J:B:JM:BM 2:2:1:1)',
                  brl_6s='BRL 6s fusion (J:B:K:JM:BM:KM 2:2:2:1:1:1)')
COLUMN_LABELS = dict(top1='top-1', mean_class='mean class', many='many',
                     medium='medium', few='few',
                     tail=f'tail ({int(100 * TAIL_SHARE)}% rarest)')


def format_cell(stat: Dict[str, float]) -> str:
    """``mean ± std`` in percent (``n/a`` without a value)."""
    if stat['n'] == 0:
        return 'n/a'
    if stat['n'] == 1:
        return f'{100 * stat["mean"]:.1f}'
    return f'{100 * stat["mean"]:.1f} ± {100 * stat["std"]:.1f}'


def group_sizes(counts: Sequence[int]) -> Dict[str, int]:
    """Number of many (> 100) / medium / few (< 20) classes."""
    from brl_mm.datasets.long_tail import split_by_shot
    return {k: len(v) for k, v in split_by_shot(counts, 100, 20).items()}


def format_table(entry: Dict) -> str:
    """The Markdown table of one IF: a row per method and fusion."""
    sizes = group_sizes(entry['train_counts']) if entry['train_counts'] \
        else {}
    head = [COLUMN_LABELS[m] + (f' ({sizes[m]} cl.)' if m in sizes else '')
            for m in REPORT_METRICS]
    lines = ['| method | ' + ' | '.join(head) + ' | seeds |',
             '|---|' + '---:|' * len(REPORT_METRICS) + '---|']
    for name, row in entry['rows'].items():
        cells = [format_cell(row[m]) for m in REPORT_METRICS]
        seeds = ','.join(str(s) for s in row['seeds'])
        lines.append(f'| {ROW_LABELS.get(name, name)} | ' +
                     ' | '.join(cells) + f' | {seeds} |')
    return '\n'.join(lines)


def plot_if(entry: Dict, out_file: str, imbalance_factor: float) -> str:
    """Per-class accuracy vs training count: CE vs BRL (and BRL 6s and
    balanced softmax when available), each averaged over its seeds."""
    from brl_mm.evaluation import plot_per_class_accuracy
    rows = entry['rows']
    series = {}
    for name, label in (('ce', 'CE'), ('brl', 'BRL (joint)'),
                        ('brl_6s', 'BRL 6s fusion'),
                        ('bsm', 'balanced softmax')):
        if name in rows:
            n = len(rows[name]['seeds'])
            series[f'{label}, {n} seed{"s" * (n > 1)}'] = \
                rows[name]['per_class']
    return plot_per_class_accuracy(
        series, entry['train_counts'], out_file, dpi=70,
        title=f'Synthetic NTU-25 LT, IF={imbalance_factor:g}: per-class '
        'accuracy (mean over seeds)')


def format_report(report: Dict, mode: str, image_paths: Dict[float, str],
                  run_info: Dict) -> str:
    """Markdown: per IF the table, missing runs and the plot."""
    parts = []
    for imbalance_factor, entry in report.items():
        counts = entry['train_counts']
        parts.append(f'#### IF = {imbalance_factor:g}')
        if counts:
            parts.append(f'Training counts per class: '
                         f'{" ".join(map(str, counts))} '
                         f'({sum(counts)} samples).')
        parts.append(format_table(entry) if entry['rows'] else
                     '(no finished run)')
        if entry['missing']:
            miss = ', '.join(f'{m}/s{s}' for m, s in entry['missing'])
            parts.append(f'Not yet run ({len(entry["missing"])}): {miss}.')
        if entry.get('stale'):
            old = ', '.join(f'{m}/s{s}' for m, s in entry['stale'])
            parts.append(f'Results of an earlier config hash (the configs '
                         f'changed since; `--stale-ok`): {old}.')
        if imbalance_factor in image_paths:
            parts.append(f'![per-class accuracy, IF={imbalance_factor:g}]'
                         f'({image_paths[imbalance_factor]})')
    size = SIZES[mode]
    parts.append(
        f'Size `{mode}`: {json.dumps(size)}; runs finished: '
        f'{run_info["finished"]} of {run_info["planned"]}; summed run wall '
        f'time {run_info["run_s"] / 60:.1f} min.')
    return '\n\n'.join(parts) + '\n'


DOC_BEGIN = '<!-- lt_effect:begin (written by benchmarks/lt_effect.py --docs) -->'
DOC_END = '<!-- lt_effect:end -->'


def write_docs(doc_file: str, body: str) -> None:
    """Replace the generated block of ``doc_file`` (between the markers;
    appended when absent), leaving the rest of the file alone."""
    text = open(doc_file).read() if osp.exists(doc_file) else ''
    block = f'{DOC_BEGIN}\n{body}{DOC_END}'
    if DOC_BEGIN in text and DOC_END in text:
        head, rest = text.split(DOC_BEGIN, 1)
        tail = rest.split(DOC_END, 1)[1]
        text = head + block + tail
    else:
        text = text.rstrip('\n') + '\n\n' + block + '\n'
    with open(doc_file, 'w') as f:
        f.write(text)


def _jsonable(report: Dict) -> Dict:
    clean = {}
    for imbalance_factor, entry in report.items():
        clean[f'{imbalance_factor:g}'] = dict(
            rows=entry['rows'], train_counts=entry['train_counts'],
            missing=entry['missing'], stale=entry['stale'])
    return clean


# ------------------------------------------------------------ main
def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(
        description='BRL ablation on the synthetic long-tailed data',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    size = parser.add_mutually_exclusive_group()
    size.add_argument('--quick', action='store_true',
                      help='tiny data and model (smoke test)')
    size.add_argument('--demo', action='store_true',
                      help='the README demo size (model and schedule of '
                      'configs/brl/synthetic_lt_cpu.py, 10-clip test; '
                      '~20 min per run)')
    size.add_argument('--full', action='store_true',
                      help='full-size ST-GCN++, configs/brl/synthetic_lt.py '
                      'schedule, 10-clip test (GPU)')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--ifs', type=float, nargs='+', default=[100, 10],
                        help='imbalance factors of the generated data')
    parser.add_argument('--methods', nargs='+',
                        default=list(TABLE_METHODS) +
                        [m for m in STREAM_METHODS.values() if m != 'brl'],
                        choices=list(METHODS),
                        help='methods to train (the BRL streams feed the '
                        'fusions)')
    parser.add_argument('--jobs', type=int, default=2,
                        help='runs in parallel')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch threads per run')
    parser.add_argument('--out', default=DEFAULT_OUT, help='output dir')
    parser.add_argument('--docs', nargs='?', const='docs/benchmarks.md',
                        default=None, metavar='MD',
                        help='write the tables into this Markdown file '
                        '(between the lt_effect markers) and the plots '
                        'into docs/images/')
    parser.add_argument('--epochs', type=int, default=None,
                        help='override the size\'s epochs (DAA stage 2 stays '
                        'the last 20%%)')
    parser.add_argument('--repeat', type=int, default=None,
                        help='override the size\'s RepeatDataset times '
                        '(more iterations per epoch, same schedule shape)')
    parser.add_argument('--no-train', action='store_true',
                        help='only report the finished runs')
    parser.add_argument('--stale-ok', action='store_true',
                        help='report a run missing under the current '
                        'configs with its newest result under an earlier '
                        'config hash (listed as such in the report)')
    return parser.parse_args(argv)


def run_all(runs: Sequence[Dict],
            args: argparse.Namespace) -> Tuple[int, float]:
    """Train every unfinished run of a :func:`plan`; returns (failures,
    summed run seconds)."""
    todo = [r['run_dir'] for r in runs if not r['done']]
    print(f'lt_effect: {len(todo)} runs to train ({args.jobs} in parallel, '
          f'{args.threads} thread(s) each)', flush=True)
    failures, total, done = 0, 0.0, 0
    queue = list(reversed(todo))
    lock = threading.Lock()

    def slot() -> None:
        nonlocal failures, total, done
        worker = Worker(args.threads)
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    rdir = queue.pop()
                start = time.perf_counter()
                ok = worker.run(rdir)
                seconds = time.perf_counter() - start
                if not ok and worker.proc.poll() is not None:
                    worker = Worker(args.threads)  # it died: a fresh one
                with lock:
                    done += 1
                    total += seconds
                    failures += not ok
                    status = 'ok' if ok else \
                        f'FAILED (see {osp.join(rdir, "worker.log")})'
                    print(f'[{done}/{len(todo)}] {osp.basename(rdir)} '
                          f'{seconds:.0f} s {status}', flush=True)
        finally:
            worker.close()

    threads = [threading.Thread(target=slot)
               for _ in range(max(1, min(args.jobs, len(todo))))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return failures, total


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Train the missing runs, then write the report (and the docs)."""
    args = parse_args(argv)
    mode = ('quick' if args.quick else 'full' if args.full else
            'demo' if args.demo else 'cpu')
    if args.epochs is not None:
        SIZES[mode] = dict(SIZES[mode], max_epochs=args.epochs)
    if args.repeat is not None:
        SIZES[mode] = dict(SIZES[mode], times=args.repeat)
    start = time.perf_counter()
    runs = plan(args.out, mode, args.ifs, args.seeds, args.methods)
    failures, run_s = (0, 0.0) if args.no_train else run_all(runs, args)
    report = collect(runs, stale_ok=args.stale_ok)
    images = {}
    if args.docs:
        image_dir = osp.join(osp.dirname(osp.abspath(args.docs)), 'images')
        for imbalance_factor, entry in report.items():
            if {'ce', 'brl'} <= set(entry['rows']):
                name = f'lt_effect_if{imbalance_factor:g}.png'
                plot_if(entry, osp.join(image_dir, name), imbalance_factor)
                images[imbalance_factor] = f'images/{name}'
    planned = len(args.ifs) * len(args.seeds) * len(args.methods)
    finished = planned - sum(len(e['missing']) for e in report.values())
    summed = sum(r['wall_s'] for e in report.values()
                 for m in e['runs'].values() for r in m.values())
    info = dict(planned=planned, finished=finished, run_s=summed)
    text = format_report(report, mode, images, info)
    os.makedirs(args.out, exist_ok=True)
    with open(osp.join(args.out, 'report.md'), 'w') as f:
        f.write(text)
    with open(osp.join(args.out, 'report.json'), 'w') as f:
        json.dump(dict(_jsonable(report), mode=mode, info=info,
                       machine=platform.platform(),
                       wall_s=time.perf_counter() - start), f, indent=1)
    if args.docs:
        write_docs(args.docs, text)
    print(text)
    print(f'lt_effect: {finished}/{planned} runs finished, this invocation '
          f'{(time.perf_counter() - start) / 60:.1f} min', flush=True)
    return 1 if failures else 0


if __name__ == '__main__':
    if len(sys.argv) > 1 and sys.argv[1] == '--worker':
        sys.exit(_worker_loop(int(sys.argv[2])))
    sys.exit(main())
