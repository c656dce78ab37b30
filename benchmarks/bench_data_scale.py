"""Data at scale: a skeleton pickle vs the same samples in a skeleton store.

For each source (``pickle``, ``store``) and loader size (2 and 4 workers) a
fresh process builds ``LongTailPoseDataset`` on the training split, then runs
one epoch through a torch ``DataLoader`` with persistent workers, and
reports:

* start-up: seconds from constructing the dataset to ``full_init`` done
  (reading, split selection, validation, mmengine's serialization);
* memory from ``/proc/PID/smaps_rollup`` of the main process after start-up
  and of every worker after its first batch and after the epoch: RSS, PSS,
  its anonymous and file-backed parts (``Pss_Anon`` is memory the process
  owns or shares by fork; ``Pss_File`` is page cache mapped from files,
  shared by every process and rank that maps the same file, and
  reclaimable) and USS (private pages);
* samples/s of the epoch, in total and per worker.

Generate the data first (it is never committed), e.g. 205k training
samples of 1-2 persons x 20-40 frames::

    python tools/data/generate_synthetic_lt.py /tmp/brl_store_bench/s.pkl \\
        --num-classes 40 --n-max 13000 --imbalance-factor 10 \\
        --val-per-class 10 --min-frames 20 --max-frames 40 \\
        --train-subjects 130 --val-subjects 10
    python tools/data/build_store.py /tmp/brl_store_bench/s.pkl \\
        /tmp/brl_store_bench/s_store
    python benchmarks/bench_data_scale.py \\
        --pickle /tmp/brl_store_bench/s.pkl \\
        --store /tmp/brl_store_bench/s_store --out /tmp/brl_store_bench/r.json

Every process runs one thread (``OMP_NUM_THREADS=1``). The pipeline is the
configs' sampling tail without normalization (``FastUniformSampleFrames``,
``PoseDecode``, ``FormatGCNInput``, ``PackActionInputs``): normalization
costs the same for both sources and its per-sample cache would add its own
memory.
"""
import argparse
import json
import os
import resource
import os.path as osp
import platform
import subprocess
import sys
import time
from typing import Dict, List, Optional

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)

SMAPS_KEYS = ('Rss', 'Pss', 'Pss_Anon', 'Pss_File', 'Private_Clean',
              'Private_Dirty')


def smaps(pid: int) -> Dict[str, float]:
    """MiB of RSS, PSS (anon / file parts) and USS of a process."""
    values = {}
    with open(f'/proc/{pid}/smaps_rollup') as f:
        for line in f:
            parts = line.split()
            if parts and parts[0].rstrip(':') in SMAPS_KEYS:
                values[parts[0].rstrip(':')] = int(parts[1]) / 1024
    return dict(rss=values['Rss'], pss=values['Pss'],
                pss_anon=values['Pss_Anon'], pss_file=values['Pss_File'],
                uss=values['Private_Clean'] + values['Private_Dirty'])


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far."""
    with open(f'/proc/{pid}/stat') as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def pipeline(clip_len: int, kind: str = 'light') -> List[Dict]:
    """The sampling tail of the configs' training pipeline (``light``), or
    stock mmaction2's NTU training pipeline (``stock``: PreNormalize3D and
    GenSkeFeat in front, mmaction's UniformSampleFrames)."""
    if kind == 'stock':
        return [
            dict(type='PreNormalize3D'),
            dict(type='GenSkeFeat', dataset='nturgb+d', feats=['j']),
            dict(type='UniformSampleFrames', clip_len=clip_len),
            dict(type='PoseDecode'),
            dict(type='FormatGCNInput', num_person=2),
            dict(type='PackActionInputs')
        ]
    return [
        dict(type='FastUniformSampleFrames', clip_len=clip_len),
        dict(type='PoseDecode'),
        dict(type='FormatGCNInput', num_person=2),
        dict(type='PackActionInputs', meta_keys=('frame_dir', ))
    ]


def child(args: argparse.Namespace) -> Dict:
    """One measurement in this (fresh) process."""
    import numpy as np
    import torch
    from mmengine.registry import init_default_scope
    from torch.utils.data import DataLoader

    import brl_mm  # noqa: F401
    from brl_mm.datasets import LongTailPoseDataset
    from brl_mm.fast import compact_collate
    torch.set_num_threads(1)
    init_default_scope('mmaction')
    source = dict(ann_file=args.pickle) if args.source == 'pickle' else dict(
        store=args.store)
    before = smaps(os.getpid())
    start = time.perf_counter()
    dataset = LongTailPoseDataset(**source,
                                  pipeline=pipeline(args.clip_len,
                                                    args.pipeline),
                                  split=args.split, layout=args.layout)
    startup = time.perf_counter() - start
    main_after_init = smaps(os.getpid())
    result = dict(source=args.source, workers=args.workers,
                  samples=len(dataset), startup_s=startup,
                  main_before=before, main_after_init=main_after_init,
                  serialized_mib=dataset.data_bytes.nbytes / 2**20)
    result['peak_rss_mib'] = resource.getrusage(
        resource.RUSAGE_SELF).ru_maxrss / 1024
    if args.workers == 0:
        if args.fetch_samples:  # in-process samples/s, no loader
            order = np.random.default_rng(0).permutation(
                len(dataset))[:args.fetch_samples].tolist()
            start = time.perf_counter()
            for i in order:
                dataset[i]
            result['fetch_samples'] = len(order)
            result['fetch_per_s'] = len(order) / (time.perf_counter() - start)
        return result
    loader = DataLoader(dataset, batch_size=args.batch_size, shuffle=True,
                        num_workers=args.workers, persistent_workers=True,
                        collate_fn=compact_collate,
                        generator=torch.Generator().manual_seed(0))
    iterator = iter(loader)
    next(iterator)
    pids = [w.pid for w in iterator._workers]
    first = [smaps(p) for p in pids]
    cpu_first = [cpu_seconds(p) for p in pids]
    start = time.perf_counter()
    batches = 1
    for _ in iterator:
        batches += 1
    epoch_s = time.perf_counter() - start
    cpu = sum(cpu_seconds(p) for p in pids) - sum(cpu_first)
    done = len(dataset) - min(args.batch_size, len(dataset))  # after batch 1
    result.update(
        batches=batches,
        epoch_s=epoch_s,
        samples_per_s=done / max(epoch_s, 1e-9),
        samples_per_s_per_worker=done / max(epoch_s, 1e-9) / args.workers,
        worker_cpu_s=cpu,
        samples_per_worker_cpu_s=done / max(cpu, 1e-9),
        workers_first_batch=first,
        workers_after_epoch=[smaps(p) for p in pids],
        main_after_epoch=smaps(os.getpid()))
    return result


def environment() -> Dict:
    import mmaction
    import mmengine
    import numpy
    import torch
    cpu = platform.processor()
    try:
        with open('/proc/cpuinfo') as f:
            cpu = next(line.split(':', 1)[1].strip() for line in f
                       if line.startswith('model name'))
    except (OSError, StopIteration):
        pass
    with open('/proc/meminfo') as f:
        mem = int(f.readline().split()[1]) / 2**20
    return dict(cpu=f'{cpu} x{os.cpu_count()}', memory_gib=round(mem, 1),
                kernel=platform.release(), python=platform.python_version(),
                torch=torch.__version__, mmengine=mmengine.__version__,
                mmaction2=mmaction.__version__, numpy=numpy.__version__,
                load_average=os.getloadavg())


def table(results: List[Dict]) -> str:
    """A markdown table of the measurements."""

    def mean(rows, key):
        return sum(r[key] for r in rows) / len(rows)

    lines = [
        '| source | samples | workers | start-up s | peak RSS MiB | main RSS '
        'after start-up MiB | main PSS (anon) MiB | serialized data_list MiB '
        '| samples/s in-process |',
        '|---|---|---|---|---|---|---|---|---|'
    ]
    for r in results:
        m = r['main_after_init']
        rate = r.get('fetch_per_s')
        lines.append(
            f"| {r['source']} | {r['samples']} | {r['workers']} | "
            f"{r['startup_s']:.2f} | {r['peak_rss_mib']:.0f} | "
            f"{m['rss']:.0f} | {m['pss']:.0f} ({m['pss_anon']:.0f}) | "
            f"{r['serialized_mib']:.1f} | "
            f"{f'{rate:.0f}' if rate else '-'} |")
    lines += [
        '', '| source | workers | worker RSS MiB | worker PSS MiB (anon + '
        'file) | worker PSS_anon growth in the epoch MiB | worker USS MiB | '
        'main PSS after epoch MiB | samples/s (per worker) | samples per '
        'worker CPU-second |',
        '|---|---|---|---|---|---|---|---|---|'
    ]
    for r in results:
        if r['workers'] == 0:
            continue
        after, first = r['workers_after_epoch'], r['workers_first_batch']
        growth = [a['pss_anon'] - f['pss_anon'] for a, f in zip(after, first)]
        lines.append(
            f"| {r['source']} | {r['workers']} | {mean(after, 'rss'):.0f} | "
            f"{mean(after, 'pss'):.0f} ({mean(after, 'pss_anon'):.0f} + "
            f"{mean(after, 'pss_file'):.0f}) | "
            f'{sum(growth) / len(growth):.1f} | {mean(after, "uss"):.0f} | '
            f"{r['main_after_epoch']['pss']:.0f} | "
            f"{r['samples_per_s']:.0f} "
            f"({r['samples_per_s_per_worker']:.0f}) | "
            f"{r['samples_per_worker_cpu_s']:.0f} |")
    return '\n'.join(lines)


def make_scaled(src: str, times: int, frames: int, out_pickle: str,
                out_store: str) -> None:
    """A ``times`` larger copy of a pickle with clips cut to ``frames``
    frames (distinct ``frame_dir`` per copy), as a pickle and as a store:
    start-up at a larger sample count in little disk and RAM (start-up
    reads the index, whose size per sample does not depend on the clip
    length; the pickle's start-up is then an under-estimate)."""
    import pickle

    from brl_mm.datasets import write_skeleton_store
    with open(src, 'rb') as f:
        raw = pickle.load(f)
    anns = raw['annotations']
    for a in anns:
        a['keypoint'] = a['keypoint'][:, :frames].copy()
        a['total_frames'] = a['keypoint'].shape[1]

    def copies():  # own arrays per copy, as a real pickle of N clips has
        for k in range(times):
            for a in anns:
                yield dict(a, frame_dir=f'{a["frame_dir"]}_{k}',
                           keypoint=a['keypoint'].copy())

    splits = {name: [f'{i}_{k}' for k in range(times) for i in ids]
              for name, ids in raw['split'].items()}
    write_skeleton_store(out_store, copies(), splits, raw.get('classes'),
                         force=True)
    data = dict(split=splits, annotations=list(copies()),
                classes=raw.get('classes'))
    anns.clear()  # (the copies() closure is done with them)
    del raw
    with open(out_pickle, 'wb') as f:
        pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)


def main(argv: Optional[List[str]] = None) -> int:
    if argv is None and sys.argv[1:2] == ['make-scaled']:
        a = argparse.ArgumentParser(prog='bench_data_scale.py make-scaled')
        a.add_argument('src')
        a.add_argument('--times', type=int, default=5)
        a.add_argument('--frames', type=int, default=4)
        a.add_argument('--out-pickle', required=True)
        a.add_argument('--out-store', required=True)
        o = a.parse_args(sys.argv[2:])
        make_scaled(o.src, o.times, o.frames, o.out_pickle, o.out_store)
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--pickle', required=True)
    parser.add_argument('--store', required=True)
    parser.add_argument('--split', default='xsub_train')
    parser.add_argument('--layout', default='nturgb+d')
    parser.add_argument('--workers', type=int, nargs='+', default=[2, 4])
    parser.add_argument('--sources', nargs='+', default=['pickle', 'store'])
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--clip-len', type=int, default=32)
    parser.add_argument('--out', default=None, help='JSON results file')
    parser.add_argument('--pipeline', default='light',
                        choices=('light', 'stock'))
    parser.add_argument('--fetch-samples', type=int, default=0,
                        help='with 0 workers: time this many random samples '
                        'through the pipeline in the main process')
    parser.add_argument('--repeats', type=int, default=1,
                        help='measure each (workers, source) this often, '
                        'alternating the sources')
    parser.add_argument('--source', help=argparse.SUPPRESS)
    parser.add_argument('--child-workers', type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.source:  # a child measurement
        args.workers = args.child_workers
        print(json.dumps(child(args)))
        return 0
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1',
               PYTHONPATH=REPO)
    results = []
    for workers, _, source in ((w, k, s) for w in args.workers
                               for k in range(args.repeats)
                               for s in args.sources):
        cmd = [sys.executable, __file__, '--pickle', args.pickle,
               '--store', args.store, '--split', args.split, '--layout',
               args.layout, '--batch-size', str(args.batch_size),
               '--clip-len', str(args.clip_len), '--source', source,
               '--child-workers', str(workers), '--fetch-samples',
               str(args.fetch_samples), '--pipeline', args.pipeline]
        out = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if out.returncode:
            print(out.stderr, file=sys.stderr)
            return out.returncode
        result = json.loads(out.stdout.strip().splitlines()[-1])
        results.append(result)
        rate = result.get('samples_per_s', result.get('fetch_per_s'))
        print(f'{source} x{workers}: start-up {result["startup_s"]:.2f} s'
              f', peak RSS {result["peak_rss_mib"]:.0f} MiB' +
              (f', {rate:.0f} samples/s' if rate else ''), flush=True)
    report = dict(environment=environment(), command=' '.join(sys.argv),
                  pickle_bytes=osp.getsize(args.pickle), results=results)
    print(table(results))
    if args.out:
        from brl_mm.utils import dump_atomically
        dump_atomically(json.dumps(report, indent=1), args.out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
