"""Does BRL help on long-tailed skeleton data? An ablation on the embedded
synthetic dataset (issue 10). This is the command line; the experiments, the
runner and the report live in ``benchmarks/effect/``.

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
import json
import os.path as osp
import platform
import sys
import time
from typing import Optional, Sequence

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # brl_mm
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))  # effect/

from brl_mm.utils import dump_atomically  # noqa: E402
from effect.experiments import (DEFAULT_OUTS, DEFAULT_UTKINECT,  # noqa: E402
                                METHODS, STREAM_METHODS, TABLE_METHODS,
                                TWIN_SETS, UTKINECT_METHODS, resolve_utkinect,
                                sized)
from effect.agreement import compare, format_agreement, load_rows  # noqa: E402
from effect.report import (DATASET_DOCS, ROW_LABELS, _jsonable,  # noqa: E402
                           format_report, plot_if, write_docs)
from effect.runner import _worker_loop, collect, plan, run_all  # noqa: E402


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
    parser.add_argument('--dataset',
                        choices=('synthetic', 'utkinect', 'synthetic_utk'),
                        default='synthetic',
                        help='synthetic: the generated long-tailed NTU-25 '
                        'data; utkinect: the recorded UTKinect-Action3D '
                        'skeletons (--utkinect), long-tailed from their '
                        'xsub_train (n_max 10, seeded class order), tested '
                        'on their xsub_val; synthetic_utk: generated data '
                        'at UTKinect\'s shape (the synthetic twins of its 10 '
                        'actions, its long tail, 5 + 5 subjects), trained '
                        'and tested as utkinect')
    parser.add_argument('--twins', choices=tuple(TWIN_SETS), default=None,
                        help='synthetic_utk: the synthetic class standing in '
                        'for each UTKinect action; picked (default): by the '
                        '1-NN confusion, benchmarks/lt_pick_twins.py; '
                        'named: the classes named like the actions')
    parser.add_argument('--utkinect', default=DEFAULT_UTKINECT,
                        help='the UTKinect-Action3D pickle in the NTU-25 '
                        'layout (relative: from the repository root)')
    parser.add_argument('--seeds', type=int, nargs='+', default=None,
                        help='default: 0 1 2 (synthetic), 0-4 (utkinect, '
                        'synthetic_utk)')
    parser.add_argument('--ifs', type=float, nargs='+', default=None,
                        help='imbalance factors (default: 100 10 for the '
                        'synthetic data, 10 for utkinect and synthetic_utk)')
    parser.add_argument('--methods', nargs='+', default=None,
                        choices=list(METHODS),
                        help='methods to train (synthetic default: the main '
                        'table plus the BRL streams, which feed the '
                        'fusions; utkinect / synthetic_utk default: its 9 '
                        'rows)')
    parser.add_argument('--jobs', type=int, default=2,
                        help='runs in parallel')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch threads per run')
    parser.add_argument('--out', default=None,
                        help='output dir (default: work_dirs/lt_effect, '
                        'work_dirs/lt_effect_utkinect, '
                        'work_dirs/lt_effect_synthetic_utk, with --twins '
                        'named work_dirs/lt_effect_synthetic_utk_named)')
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
    parser.add_argument('--agree-with', default=None, metavar='REF',
                        help='another run of this benchmark (its out dir or '
                        'report.json, e.g. work_dirs/lt_effect_utkinect, or '
                        'a block it wrote into a Markdown file, e.g. '
                        'docs/benchmarks.md:lt_effect_utkinect, read to '
                        '0.1 points): report how this one orders every '
                        'pair of rows that one separates '
                        '(benchmarks/effect/agreement.py)')
    parser.add_argument('--base-channels', type=int, default=None,
                        help='override the size\'s ST-GCN++ width (the '
                        'stages stay the size\'s)')
    parser.add_argument('--no-train', action='store_true',
                        help='only report the finished runs')
    parser.add_argument('--stale-ok', action='store_true',
                        help='report a run missing under the current '
                        'configs with its newest result under an earlier '
                        'config hash (listed as such in the report)')
    args = parser.parse_args(argv)
    utk = args.dataset in ('utkinect', 'synthetic_utk')
    if utk and (args.demo or args.full):
        parser.error(f'--dataset {args.dataset} has its own size (or '
                     '--quick); --demo / --full are sizes of the synthetic '
                     'data')
    if args.dataset == 'synthetic_utk' and args.quick:
        parser.error('--quick trains on its own tiny synthetic data; run '
                     '--dataset synthetic_utk without it (about 2.5 min a '
                     'run), or --quick alone for the smoke test')
    if args.twins is not None and args.dataset != 'synthetic_utk':
        parser.error('--twins chooses the classes of --dataset synthetic_utk')
    if args.dataset == 'synthetic_utk' and args.twins is None:
        args.twins = 'picked'
    if args.seeds is None:
        args.seeds = [0, 1, 2, 3, 4] if utk else [0, 1, 2]
    if args.ifs is None:
        args.ifs = [10.0] if utk else [100.0, 10.0]
    if args.methods is None:
        args.methods = list(UTKINECT_METHODS) if utk else \
            list(TABLE_METHODS) + [m for m in STREAM_METHODS.values()
                                   if m != 'brl']
    if args.out is None:
        args.out = DEFAULT_OUTS[args.dataset] + (
            '_named' if args.twins == 'named' else '')
    return args


def _with_agreement(text: str, report: dict, reference: str):
    """The report text with an agreement section per IF that the
    reference has, and the comparisons (JSON-ready, by IF)."""
    parts, found = [text.rstrip('\n')], {}
    for imbalance_factor, entry in report.items():
        rows = load_rows(reference, imbalance_factor, ROW_LABELS)
        result = compare(rows, entry['rows'])
        found[f'{imbalance_factor:g}'] = result
        parts.append(f'#### Agreement with `{reference}`, IF = '
                     f'{imbalance_factor:g}\n\n' + format_agreement(
                         result, ROW_LABELS, 'the reference', 'this run'))
    return '\n\n'.join(parts) + '\n', found


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Train the missing runs, then write the report (and the docs)."""
    args = parse_args(argv)
    mode = ('quick' if args.quick else 'full' if args.full else
            'demo' if args.demo else
            args.dataset if args.dataset != 'synthetic' else 'cpu')
    utkinect = None
    if args.dataset == 'utkinect':
        try:
            utkinect = resolve_utkinect(args.utkinect)
        except FileNotFoundError as err:
            print(f'lt_effect: {err}', file=sys.stderr)
            return 2
    size = sized(mode, max_epochs=args.epochs, times=args.repeat,
                 base_channels=args.base_channels)
    twins = None
    if args.dataset == 'synthetic_utk':
        twins = (args.twins, [list(p) for p in TWIN_SETS[args.twins]])
    start = time.perf_counter()
    try:
        runs = plan(args.out, mode, args.ifs, args.seeds, args.methods,
                    utkinect, size, args.twins)
    except RuntimeError as err:  # data of another version in --out
        print(f'lt_effect: {err}', file=sys.stderr)
        return 2
    failures, run_s = (0, 0.0) if args.no_train else run_all(runs, args)
    report = collect(runs, stale_ok=args.stale_ok)
    images = {}
    begin, end, prefix, title = DATASET_DOCS[
        args.dataset + ('_named' if args.twins == 'named' else '')]
    if args.docs:
        image_dir = osp.join(osp.dirname(osp.abspath(args.docs)), 'images')
        for imbalance_factor, entry in report.items():
            if {'ce', 'brl'} <= set(entry['rows']):
                name = f'{prefix}_if{imbalance_factor:g}.png'
                plot_if(entry, osp.join(image_dir, name), imbalance_factor,
                        title)
                images[imbalance_factor] = f'images/{name}'
    planned = len(args.ifs) * len(args.seeds) * len(args.methods)
    finished = planned - sum(len(e['missing']) for e in report.values())
    summed = sum(r['wall_s'] for e in report.values()
                 for m in e['runs'].values() for r in m.values())
    info = dict(planned=planned, finished=finished, run_s=summed,
                twins=twins, size=size)
    text = format_report(report, mode, images, info)
    agreement = {}
    if args.agree_with:
        try:
            text, agreement = _with_agreement(text, report, args.agree_with)
        except (FileNotFoundError, KeyError) as err:
            print(f'lt_effect: --agree-with: {err}', file=sys.stderr)
            return 2
    dump_atomically(text, osp.join(args.out, 'report.md'))
    dump_atomically(
        json.dumps(dict(_jsonable(report), mode=mode, info=info,
                        dataset=args.dataset, machine=platform.platform(),
                        agreement=agreement,
                        wall_s=time.perf_counter() - start), indent=1),
        osp.join(args.out, 'report.json'))
    if args.docs:
        write_docs(args.docs, text, begin, end)
    print(text)
    print(f'lt_effect: {finished}/{planned} runs finished, this invocation '
          f'{(time.perf_counter() - start) / 60:.1f} min', flush=True)
    return 1 if failures else 0


if __name__ == '__main__':
    if len(sys.argv) > 1 and sys.argv[1] == '--worker':
        sys.exit(_worker_loop(int(sys.argv[2])))
    sys.exit(main())
