"""The effect benchmark's report: mean and spread over seeds, the fusion
rows, Markdown tables, per-class plots and the docs block."""
import json
import os.path as osp
from typing import Dict, Optional, Sequence

import numpy as np

from brl_mm.utils import dump_atomically

from .experiments import (METHODS, METRICS, REPORT_METRICS, SIZES,
                          STREAM_METHODS, TAIL_SHARE)


# ------------------------------------------------------------ aggregation
def metrics_of(scores: np.ndarray, labels: np.ndarray,
               counts: Sequence[int], many_thr: int = 100,
               few_thr: int = 20) -> Dict:
    """top1, top5, mean_class, many, medium, few (fractions) and per_class
    (many > ``many_thr``, few < ``few_thr`` training samples)."""
    from brl_mm.evaluation import long_tail_accuracy
    res = long_tail_accuracy(scores, labels, train_counts=counts,
                             many_thr=many_thr, few_thr=few_thr)
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


def group_sizes(counts: Sequence[int], many_thr: int = 100,
                few_thr: int = 20) -> Dict[str, int]:
    """Number of many (> ``many_thr``) / medium / few (< ``few_thr``)
    classes."""
    from brl_mm.datasets.long_tail import split_by_shot
    return {k: len(v) for k, v in
            split_by_shot(counts, many_thr, few_thr).items()}


def format_table(entry: Dict) -> str:
    """The Markdown table of one IF: a row per method and fusion."""
    sizes = group_sizes(entry['train_counts'],
                        **entry.get('thresholds', {})) \
        if entry['train_counts'] else {}
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


def plot_if(entry: Dict, out_file: str, imbalance_factor: float,
            data_name: str = 'Synthetic NTU-25 LT') -> str:
    """Per-class accuracy vs training count: CE vs BRL (and BRL 6s and
    balanced softmax when available), each averaged over its seeds, with
    the shot groups of the runs' thresholds."""
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
        **entry.get('thresholds', {}),
        title=f'{data_name}, IF={imbalance_factor:g}: per-class '
        'accuracy (mean over seeds)')


def seed_deltas(entry: Dict, metric: str, base: str = 'ce') -> Dict:
    """Per-seed differences ``method - base`` of one metric, on the seeds
    both ran.

    Returns:
        dict: ``{method: {seed: delta}}`` (fractions) for every method of
        ``entry['runs']`` besides ``base``; empty without ``base``.
    """
    runs = entry['runs']
    if base not in runs:
        return {}
    ref = runs[base]
    out = {}
    for name, per_seed in runs.items():
        if name == base:
            continue
        out[name] = {s: per_seed[s][metric] - ref[s][metric]
                     for s in sorted(per_seed) if s in ref}
    return out


def verdict(row: Dict, base: Dict) -> str:
    """``better`` / ``worse`` when the mean of ``row`` exceeds (falls short
    of) ``base``'s by more than twice the larger of the two seed standard
    deviations, else ``within spread``.

    Args:
        row (dict): An :func:`aggregate` of a method's metric.
        base (dict): The same of the reference method.
    """
    if row['n'] < 2 or base['n'] < 2:
        return 'n/a (one seed)'
    gap = row['mean'] - base['mean']
    margin = 2 * max(row['std'], base['std'])
    return 'better' if gap > margin else 'worse' if gap < -margin else \
        'within spread'


def format_deltas(entry: Dict, base: str = 'ce',
                  metrics: Sequence[str] = ('top1', 'few', 'tail')) -> str:
    """Markdown: per method its per-seed deltas against ``base`` (points)
    and the verdict of :func:`verdict` for each metric."""
    if base not in entry['rows']:
        return ''
    head = []
    for m in metrics:
        head += [f'Δ {COLUMN_LABELS[m]} per seed', f'{COLUMN_LABELS[m]} vs '
                 f'{base}']
    lines = ['| method | ' + ' | '.join(head) + ' |',
             '|---|' + '---|' * len(head)]
    deltas = {m: seed_deltas(entry, m, base) for m in metrics}
    for name, row in entry['rows'].items():
        if name == base or name not in deltas[metrics[0]]:
            continue
        cells = []
        for m in metrics:
            # (+ 0.0: no "-0.0" for a float difference of equal scores)
            cells.append(' '.join(f's{s}: {round(100 * d, 1) + 0.0:+.1f}'
                                  for s, d in deltas[m][name].items()))
            cells.append(verdict(row[m], entry['rows'][base][m]))
        lines.append(f'| {ROW_LABELS.get(name, name)} | ' +
                     ' | '.join(cells) + ' |')
    return '\n'.join(lines)


#: Per-class tables are written for data with at most this many classes.
PER_CLASS_MAX = 20


def format_per_class(entry: Dict, base: str = 'ce') -> str:
    """Markdown: per class (head first) its training count and every row's
    accuracy (mean over its seeds, percent), plus each row's mean
    difference to ``base`` over the seeds both ran, so one sees which
    classes a method gains or loses.

    Empty for more than :data:`PER_CLASS_MAX` classes or without rows.
    """
    rows, counts = entry['rows'], entry['train_counts']
    if not rows or not counts or len(counts) > PER_CLASS_MAX:
        return ''
    names = entry.get('classes') or [f'class {i}' for i in range(len(counts))]
    order = np.argsort(-np.asarray(counts), kind='stable')
    methods = list(rows)
    deltas = {}
    if base in entry['runs']:
        ref = entry['runs'][base]
        for name in methods:
            per_seed = entry['runs'].get(name, {})
            shared = [s for s in sorted(per_seed) if s in ref]
            if name != base and shared:
                deltas[name] = np.nanmean(np.array(
                    [np.subtract(per_seed[s]['per_class'],
                                 ref[s]['per_class']) for s in shared],
                    dtype=np.float64), axis=0)
    head = ['label', 'class', 'train'] + [ROW_LABELS.get(m, m)
                                          for m in methods]
    lines = ['| ' + ' | '.join(head) + ' |',
             '|---:|---|---:|' + '---:|' * len(methods)]
    for c in order:
        cells = []
        for m in methods:
            cell = f'{100 * rows[m]["per_class"][c]:.0f}'
            if m in deltas:
                cell += f' ({round(100 * deltas[m][c]) + 0:+d})'
            cells.append(cell)
        lines.append(f'| {c} | {names[c]} | {counts[c]} | ' +
                     ' | '.join(cells) + ' |')
    return '\n'.join(lines)


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
        deltas = format_deltas(entry)
        if deltas:
            parts.append('Per-seed differences against plain CE on the same '
                         'seed (points); "better" / "worse": the means '
                         'differ by more than twice the larger seed std.')
            parts.append(deltas)
        per_class = format_per_class(entry)
        if per_class:
            parts.append('Per-class accuracy (percent, mean over the seeds; '
                         'in brackets: the mean per-seed difference to plain '
                         'CE, points), head class first.')
            parts.append(per_class)
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
    size = run_info.get('size') or SIZES[mode]
    parts.append(
        f'Size `{mode}`: {json.dumps(size)}; runs finished: '
        f'{run_info["finished"]} of {run_info["planned"]}; summed run wall '
        f'time {run_info["run_s"] / 60:.1f} min.')
    if run_info.get('twins'):
        pairs = ', '.join(f'{a} -> *{t}*' for a, t in run_info['twins'][1])
        parts.append(f'Twins (`--twins {run_info["twins"][0]}`): {pairs}.')
    return '\n\n'.join(parts) + '\n'


DOC_BEGIN = '<!-- lt_effect:begin (written by benchmarks/lt_effect.py --docs) -->'
DOC_END = '<!-- lt_effect:end -->'
#: The markers of the ``--dataset utkinect`` block.
UTK_DOC_BEGIN = ('<!-- lt_effect_utkinect:begin (written by '
                 'benchmarks/lt_effect.py --dataset utkinect --docs) -->')
UTK_DOC_END = '<!-- lt_effect_utkinect:end -->'
#: Per ``--dataset``: the docs block's markers, the plot's file prefix and
#: title.
DATASET_DOCS = dict(
    synthetic=(DOC_BEGIN, DOC_END, 'lt_effect', 'Synthetic NTU-25 LT'),
    utkinect=(UTK_DOC_BEGIN, UTK_DOC_END, 'lt_effect_utkinect',
              'UTKinect-Action3D LT'),
    synthetic_utk=(
        '<!-- lt_effect_synthetic_utk:begin (written by '
        'benchmarks/lt_effect.py --dataset synthetic_utk --docs) -->',
        '<!-- lt_effect_synthetic_utk:end -->', 'lt_effect_synthetic_utk',
        'Synthetic LT at UTKinect\'s shape'),
    # --dataset synthetic_utk --twins named
    synthetic_utk_named=(
        '<!-- lt_effect_synthetic_utk_named:begin (written by '
        'benchmarks/lt_effect.py --dataset synthetic_utk --twins named '
        '--docs) -->', '<!-- lt_effect_synthetic_utk_named:end -->',
        'lt_effect_synthetic_utk_named',
        'Synthetic LT at UTKinect\'s shape, named twins'),
)


def write_docs(doc_file: str, body: str, begin: str = DOC_BEGIN,
               end: str = DOC_END) -> None:
    """Replace the generated block of ``doc_file`` (between the markers
    ``begin`` and ``end``; appended when absent), leaving the rest of the
    file alone."""
    text = open(doc_file).read() if osp.exists(doc_file) else ''
    block = f'{begin}\n{body}{end}'
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        tail = rest.split(end, 1)[1]
        text = head + block + tail
    else:
        text = text.rstrip('\n') + '\n\n' + block + '\n'
    dump_atomically(text, doc_file)


def _jsonable(report: Dict) -> Dict:
    clean = {}
    for imbalance_factor, entry in report.items():
        clean[f'{imbalance_factor:g}'] = dict(
            rows=entry['rows'], train_counts=entry['train_counts'],
            missing=entry['missing'], stale=entry['stale'],
            classes=entry.get('classes'))
    return clean


