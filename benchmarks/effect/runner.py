"""Running the effect benchmark: one run dir per (method, IF, seed), a
worker process per job slot that trains and tests prepared runs with
mmengine's Runner, the plan of a benchmark and the collection of results."""
import json
import os
import os.path as osp
import subprocess
import sys
import threading
import time
from typing import Dict, List, Optional, Sequence, Tuple

from brl_mm.utils import dump_atomically, load_config

from .experiments import (FUSIONS, REPO, REPORT_ORDER, SHOT_THRESHOLDS,
                          build_config, class_names_of, config_hash,
                          ensure_data, ensure_utkinect_lt, train_counts_of)
from .report import fuse_seed, metrics_of, summarize, tail_accuracy

#: The benchmark's command line script (the workers run it too).
LT_EFFECT = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                     'lt_effect.py')


# ------------------------------------------------------------ one run
def run_dir(out: str, method_name: str, imbalance_factor: float, seed: int,
            digest: str) -> str:
    """``<out>/runs/<method>-if<IF>-s<seed>-<hash>``."""
    return osp.join(out, 'runs', f'{method_name}-if{imbalance_factor:g}-'
                    f's{seed}-{digest}')


def prepare_run(out: str, method_name: str, mode: str,
                imbalance_factor: float, seed: int,
                utkinect: Optional[str] = None, size: Optional[Dict] = None,
                twins: Optional[str] = None) -> Tuple[str, bool]:
    """Build a run's config, write it into its run dir (so every run of an
    invocation uses the configs as they were when it started).

    Args:
        utkinect (str, optional): The UTKinect-Action3D pickle: train on its
            long-tailed subset (``ensure_utkinect_lt``) instead of the
            synthetic data.
        size (dict, optional): The model / schedule size (default:
            ``SIZES[mode]``; ``experiments.sized``).
        twins (str, optional): ``synthetic_utk``: the twin set
            (``experiments.TWIN_SETS``; default: the picked twins).

    Returns:
        tuple: ``(run dir, done)``; ``done`` when its result.json exists.
    """
    ann_file = osp.abspath(
        ensure_utkinect_lt(out, utkinect, imbalance_factor) if utkinect
        else ensure_data(out, imbalance_factor, mode, twins))
    cfg = build_config(method_name, mode, ann_file, seed, '', size=size)
    digest = config_hash(cfg, ann_file)
    rdir = osp.abspath(run_dir(out, method_name, imbalance_factor, seed,
                               digest))
    if osp.exists(osp.join(rdir, 'result.json')):
        return rdir, True
    if osp.exists(osp.join(rdir, 'run.json')) and _prepared_here(rdir):
        # prepared before (same hash, so the same config): never rewrite a
        # config a worker of another invocation may be reading
        return rdir, False
    os.makedirs(rdir, exist_ok=True)
    cfg = build_config(method_name, mode, ann_file, seed, rdir,
                       osp.join(rdir, 'test_dump.pkl'), size=size)
    cfg.dump(osp.join(rdir, 'config.py'))
    meta = dict(method=method_name, mode=mode, imbalance_factor=
                imbalance_factor, seed=seed, hash=digest, ann_file=ann_file)
    # (the synthetic run.json stays as it was)
    dataset = 'utkinect' if utkinect else \
        mode if mode == 'synthetic_utk' else None
    if dataset:
        meta.update(dataset=dataset, **SHOT_THRESHOLDS[dataset])
    # written last, atomically: a run dir without it is not prepared
    dump_atomically(json.dumps(meta, indent=1), osp.join(rdir, 'run.json'))
    return rdir, False


def _prepared_here(rdir: str) -> bool:
    """Whether a prepared run's config writes into ``rdir`` itself: one
    prepared under another path (an output dir copied or moved elsewhere)
    would train into the old place, so it is prepared again."""
    try:
        cfg = load_config(osp.join(rdir, 'config.py'))
    except Exception:  # unreadable or missing: prepare it again
        return False
    return osp.abspath(cfg.get('work_dir', '')) == rdir


def train_and_test(rdir: str, threads: int = 1) -> Dict:
    """Train a prepared run with mmengine's Runner, test its last epoch and
    write ``result.json`` (metrics, per-class accuracy, counts, times)."""
    import torch
    torch.set_num_threads(threads)
    import brl_mm  # noqa: F401
    from brl_mm.evaluation import load_dump
    from mmengine.runner import Runner
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
                  **metrics_of(scores, labels, counts,
                               **shot_thresholds(meta)))
    dump_atomically(json.dumps(result, indent=1),
                    osp.join(rdir, 'result.json'))
    return result


def shot_thresholds(meta: Dict) -> Dict[str, int]:
    """``many_thr`` / ``few_thr`` of a run (the spec's when its run.json
    names none)."""
    return {k: meta.get(k, v)
            for k, v in SHOT_THRESHOLDS['synthetic'].items()}


class Worker:
    """A worker process that trains prepared runs one after the other
    (``lt_effect.py --worker THREADS``: run dirs in on stdin, ``OK`` /
    ``FAIL`` / ``SKIP`` lines out), so imports and data caches are paid once
    per job slot, not once per run. Each run's output goes to its
    ``worker.log``. A run is trained under its dir's
    :class:`~brl_mm.engine.work_dir.WorkDirLock`, so several invocations
    can share an out dir: one that finds a run locked or finished skips
    it."""

    def __init__(self, threads: int) -> None:
        env = dict(os.environ, OMP_NUM_THREADS=str(threads),
                   MKL_NUM_THREADS=str(threads))
        self.proc = subprocess.Popen(
            [sys.executable, LT_EFFECT, '--worker', str(threads)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
            cwd=REPO, text=True, bufsize=1)

    def run(self, rdir: str) -> str:
        """Train one run: ``'ok'``, ``'failed'`` (or the worker died) or
        ``'skipped: ...'`` (another invocation trains or trained it)."""
        try:
            self.proc.stdin.write(rdir + '\n')
            self.proc.stdin.flush()
            reply = self.proc.stdout.readline()
        except (BrokenPipeError, OSError):
            return 'failed'
        if reply.startswith('SKIP'):
            return 'skipped: ' + reply.split(' ', 2)[1].replace('_', ' ')
        return 'ok' if reply.startswith('OK') else 'failed'

    def close(self) -> None:
        """End the worker."""
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        self.proc.wait()


def _worker_loop(threads: int) -> int:
    """The worker side of :class:`Worker`."""
    from brl_mm.engine.work_dir import WorkDirInUseError, WorkDirLock
    reply = os.fdopen(os.dup(1), 'w', buffering=1)
    for line in sys.stdin:
        rdir = line.strip()
        if not rdir:
            continue
        lock = WorkDirLock(rdir)
        try:
            lock.acquire()
        except WorkDirInUseError:
            reply.write(f'SKIP in_training_elsewhere {rdir}\n')
            continue
        try:
            if osp.exists(osp.join(rdir, 'result.json')):
                reply.write(f'SKIP finished_elsewhere {rdir}\n')
                continue
            ok = _train_logged(rdir, threads)
        finally:
            lock.release()
        reply.write(('OK ' if ok else 'FAIL ') + rdir + '\n')
    return 0


def _train_logged(rdir: str, threads: int) -> bool:
    """:func:`train_and_test` with stdout / stderr in the run's
    ``worker.log``; False when it raised (the traceback is in the log)."""
    import traceback
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
    return ok


def plan(out: str, mode: str, ifs: Sequence[float], seeds: Sequence[int],
         methods: Sequence[str], utkinect: Optional[str] = None,
         size: Optional[Dict] = None,
         twins: Optional[str] = None) -> List[Dict]:
    """Every (IF, seed, method) run of an invocation, in training order
    (IF by IF, seed by seed), each prepared with the configs as they are now.

    Args:
        utkinect (str, optional): Train on this UTKinect pickle's long-tailed
            subset (:func:`prepare_run`).
        size (dict, optional): The model / schedule size of every run
            (default: ``SIZES[mode]``).
        twins (str, optional): ``synthetic_utk``: the twin set.

    Returns:
        list[dict]: ``imbalance_factor``, ``seed``, ``method``, ``run_dir``
        and ``done`` (its result.json exists) per run.
    """
    runs = []
    for imbalance_factor in ifs:
        for seed in seeds:
            for method_name in methods:
                rdir, done = prepare_run(out, method_name, mode,
                                         imbalance_factor, seed, utkinect,
                                         size, twins)
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
        'stale': [(method, seed)], 'classes': [names]}}``.
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
        entry['thresholds'] = shot_thresholds(result)
        if entry.get('classes') is None:
            entry['classes'] = _class_names(result['run_dir'])
        entry['runs'].setdefault(run['method'], {})[run['seed']] = result
    for entry in report.values():
        runs_by_method = entry['runs']
        seeds = sorted({s for r in runs_by_method.values() for s in r})
        rows = {}
        for method_name in REPORT_ORDER:
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


def _class_names(rdir: str) -> Optional[List[str]]:
    """The class names of a run's data (None when its run.json or data file
    is gone, e.g. an out dir copied without its data)."""
    try:
        with open(osp.join(rdir, 'run.json')) as f:
            return class_names_of(json.load(f)['ann_file'])
    except (OSError, KeyError, ValueError):
        return None


def run_all(runs: Sequence[Dict],
            args) -> Tuple[int, float]:
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
                status = worker.run(rdir)
                seconds = time.perf_counter() - start
                if status == 'failed' and worker.proc.poll() is not None:
                    worker = Worker(args.threads)  # it died: a fresh one
                with lock:
                    done += 1
                    if status == 'ok':
                        total += seconds
                    failures += status == 'failed'
                    if status == 'failed':
                        status = \
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


