"""Does one effect benchmark order the methods as another does?

Issue 18 asks the synthetic benchmark to agree with recorded motion *where
the recorded differences are outside the seed spread*. This module makes
that check mechanical: every pair of rows that the reference report
separates (means apart by more than twice the larger seed std, the
project's rule) is looked up in the candidate report, and the candidate
either orders the pair the same way (separated too, or only by its mean)
or the opposite way. Pairs the candidate separates but the reference does
not are counted apart: a difference the recorded data does not show.

Both inputs are the ``report.json`` files ``benchmarks/lt_effect.py``
writes (``{IF: {'rows': {method: {metric: {'mean', 'std', 'n'}}}}}``). The
reference may also be a block that ``lt_effect.py --docs`` wrote into a
Markdown file, ``FILE.md:NAME`` (e.g. ``docs/benchmarks.md:
lt_effect_utkinect``): its table gives mean and std to 0.1 points, so a pair
whose gap is within 0.1 points of its margin may be called differently than
from the runs themselves.
"""
import itertools
import json
import math
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence

#: The compared columns (fractions in the report, points in the output).
AGREEMENT_METRICS = ('top1', 'few', 'tail')
#: Outcome labels, in the order they are tallied.
OUTCOMES = ('agrees, separated', 'agrees, within spread', 'opposite order',
            'fewer than 2 seeds')


def load_rows(report_file: str, imbalance_factor: float,
              labels: Optional[Dict[str, str]] = None) -> Dict[str, Dict]:
    """The rows of one IF of a ``report.json`` (a file or the out dir that
    holds it), or of a docs block ``FILE.md:NAME``
    (:func:`rows_from_markdown`, which needs ``labels``).

    Raises:
        FileNotFoundError: No report there (naming the command that writes
            one).
        KeyError: The report has no such IF (naming those it has).
    """
    if '.md:' in report_file:
        path, name = report_file.rsplit(':', 1)
        if not osp.isfile(path):
            raise FileNotFoundError(f'no Markdown file {path}')
        with open(path) as f:
            return rows_from_markdown(f.read(), name, imbalance_factor,
                                      labels or {})
    if osp.isdir(report_file):
        report_file = osp.join(report_file, 'report.json')
    if not osp.isfile(report_file):
        raise FileNotFoundError(
            f'no effect report at {report_file}; `python '
            'benchmarks/lt_effect.py --dataset ... --out DIR` writes '
            'DIR/report.json')
    with open(report_file) as f:
        report = json.load(f)
    key = f'{imbalance_factor:g}'
    if key not in report or not isinstance(report[key], dict):
        have = [k for k, v in report.items()
                if isinstance(v, dict) and 'rows' in v]
        raise KeyError(f'{report_file} has no IF {key} (it has {have})')
    return report[key]['rows']


_CELL = re.compile(r'^(-?[0-9.]+)(?: ± ([0-9.]+))?$')


def rows_from_markdown(text: str, name: str, imbalance_factor: float,
                       labels: Dict[str, str]) -> Dict[str, Dict]:
    """The rows of one IF from a block ``lt_effect.py --docs`` wrote.

    Args:
        text (str): The Markdown file's text.
        name (str): The block's marker name (``lt_effect_utkinect`` for
            ``<!-- lt_effect_utkinect:begin ... -->``).
        imbalance_factor (float): The IF (its ``#### IF = ...`` section).
        labels (dict): Method name -> the row label the table shows.

    Returns:
        dict: ``{method: {metric: {'mean', 'std', 'n'}}}`` for the metrics
        of :data:`AGREEMENT_METRICS` (fractions; ``n`` the seeds listed).

    Raises:
        KeyError: No such block, IF section or table column, or a row label
            that is no method's (each naming what is there).
    """
    begin = re.search(r'<!-- ' + re.escape(name) + r':begin\b[^>]*-->', text)
    end = text.find(f'<!-- {name}:end -->')
    if begin is None or end < begin.end():
        found = sorted(set(re.findall(r'<!-- ([\w.-]+):begin', text)))
        raise KeyError(f'no block {name!r} (the file has {found})')
    block = text[begin.end():end]
    sections = re.split(r'^#### ', block, flags=re.M)
    heading = f'IF = {imbalance_factor:g}'
    section = next((s for s in sections if s.startswith(heading + '\n')),
                   None)
    if section is None:
        have = [s.split('\n', 1)[0] for s in sections[1:]
                if s.startswith('IF = ')]
        raise KeyError(f'block {name!r} has no {heading} (it has {have})')
    lines = [ln for ln in section.splitlines() if ln.startswith('| method |')]
    if not lines:
        raise KeyError(f'block {name!r}, {heading}: no results table')
    table = section[section.index(lines[0]):].split('\n\n', 1)[0]
    rows = [[c.strip() for c in ln.strip().strip('|').split('|')]
            for ln in table.splitlines()]
    head, body = rows[0], rows[2:]
    by_label = {v: k for k, v in labels.items()}
    columns = {}
    for metric, title in (('top1', 'top-1'), ('few', 'few'),
                          ('tail', 'tail')):
        at = [i for i, h in enumerate(head) if h == title or
              h.startswith(title + ' (')]
        if not at:
            raise KeyError(f'block {name!r}: no column {title!r} in {head}')
        columns[metric] = at[0]
    out = {}
    for cells in body:
        if cells[0] not in by_label:
            raise KeyError(f'block {name!r}: row {cells[0]!r} is no '
                           'method\'s label')
        seeds = len([s for s in cells[-1].split(',') if s.strip()])
        row = {}
        for metric, i in columns.items():
            match = _CELL.match(cells[i])
            if match is None:  # n/a
                row[metric] = dict(mean=math.nan, std=math.nan, n=0)
                continue
            mean, std = match.groups()
            row[metric] = dict(mean=float(mean) / 100,
                               std=float(std or 0) / 100, n=seeds)
        out[by_label[cells[0]]] = row
    return out


def separation(a: Dict, b: Dict) -> Optional[Dict]:
    """How two rows' stats of one metric compare.

    Args:
        a (dict): ``mean`` / ``std`` / ``n`` of row a.
        b (dict): The same of row b.

    Returns:
        dict or None: ``gap`` (a - b), ``margin`` (twice the larger std)
        and ``separated`` (|gap| > margin); None when either row has fewer
        than 2 seeds or no value (an empty shot group).
    """
    if min(a.get('n', 0), b.get('n', 0)) < 2:
        return None
    if any(math.isnan(x) for x in (a['mean'], b['mean'])):
        return None
    gap = a['mean'] - b['mean']
    margin = 2 * max(a['std'], b['std'])
    return dict(gap=gap, margin=margin, separated=abs(gap) > margin)


def compare(reference: Dict[str, Dict], candidate: Dict[str, Dict],
            metrics: Sequence[str] = AGREEMENT_METRICS) -> Dict:
    """Check the candidate's order of every pair the reference separates.

    Args:
        reference (dict): Rows of the reference report (:func:`load_rows`).
        candidate (dict): Rows of the candidate report.
        metrics (Sequence[str]): Columns to compare.

    Returns:
        dict: ``pairs`` (one dict per reference-separated pair and metric:
        ``metric``, ``better`` / ``worse`` row names in the reference's
        order, ``reference`` and ``candidate`` separations, ``outcome``, one
        of :data:`OUTCOMES`), ``tally`` (outcome -> count) and ``extra``
        (pairs only the candidate separates).
    """
    names = list(reference)
    pairs: List[Dict] = []
    extra: List[Dict] = []
    for metric in metrics:
        for x, y in itertools.combinations(names, 2):
            ref = separation(reference[x][metric], reference[y][metric]) \
                if metric in reference[x] and metric in reference[y] \
                else None
            have = x in candidate and y in candidate
            cand = separation(candidate[x][metric], candidate[y][metric]) \
                if have else None
            if ref is None or not ref['separated']:
                if cand is not None and cand['separated']:
                    better, worse = (x, y) if cand['gap'] > 0 else (y, x)
                    extra.append(dict(metric=metric, better=better,
                                      worse=worse, candidate=cand,
                                      reference=ref))
                continue
            better, worse = (x, y) if ref['gap'] > 0 else (y, x)
            sign = 1 if ref['gap'] > 0 else -1
            if cand is None:
                outcome = 'fewer than 2 seeds'
            elif sign * cand['gap'] <= 0:
                outcome = 'opposite order'
            elif cand['separated']:
                outcome = 'agrees, separated'
            else:
                outcome = 'agrees, within spread'
            pairs.append(dict(metric=metric, better=better, worse=worse,
                              reference=ref, candidate=cand,
                              outcome=outcome))
    tally = {o: sum(p['outcome'] == o for p in pairs) for o in OUTCOMES}
    return dict(pairs=pairs, tally=tally, extra=extra)


def _points(sep: Optional[Dict]) -> str:
    if sep is None:
        return 'n/a'
    return f'{100 * abs(sep["gap"]):.1f} (margin {100 * sep["margin"]:.1f})'


def format_agreement(result: Dict, labels: Dict[str, str],
                     reference_name: str, candidate_name: str) -> str:
    """The Markdown of :func:`compare`: a summary line, a table of the
    reference-separated pairs and a list of the candidate-only ones."""
    tally = result['tally']
    if not result['pairs']:
        lines = [f'{reference_name} separates no pair of rows (every gap is '
                 'within twice the larger seed std): nothing to agree with.']
        return '\n'.join(lines + _extra_lines(result, labels, reference_name,
                                               candidate_name)) + '\n'
    lines = [
        f'Pairs of rows that {reference_name} separates (gap above twice '
        f'the larger seed std), and how {candidate_name} orders them: ' +
        ', '.join(f'{n} {o}' for o, n in tally.items()) + '.', '',
        f'| metric | better on {reference_name} | worse | gap there '
        f'(points) | gap on {candidate_name} (same direction +) | outcome |',
        '|---|---|---|---|---|---|']
    for pair in result['pairs']:
        cand = pair['candidate']
        if cand is None:
            cell = 'n/a'
        else:
            sign = 1 if pair['reference']['gap'] > 0 else -1
            cell = (f'{100 * sign * cand["gap"]:+.1f} (margin '
                    f'{100 * cand["margin"]:.1f})')
        lines.append(
            f'| {pair["metric"]} | {labels.get(pair["better"], pair["better"])}'
            f' | {labels.get(pair["worse"], pair["worse"])} | '
            f'{_points(pair["reference"])} | {cell} | {pair["outcome"]} |')
    return '\n'.join(lines + _extra_lines(result, labels, reference_name,
                                           candidate_name)) + '\n'


def _extra_lines(result: Dict, labels: Dict[str, str], reference_name: str,
                 candidate_name: str) -> List[str]:
    if not result['extra']:
        return []
    lines = ['', f'Separated on {candidate_name} only (within the spread, '
             f'or fewer than 2 seeds, on {reference_name}; in brackets the '
             f'gap there, + for the same direction):']
    for p in result['extra']:
        ref = p['reference']
        sign = 1 if p['candidate']['gap'] > 0 else -1
        there = 'n/a' if ref is None else \
            f'{100 * sign * ref["gap"]:+.1f}, margin {100 * ref["margin"]:.1f}'
        lines.append(f'- {p["metric"]}: {labels.get(p["better"], p["better"])}'
                     f' > {labels.get(p["worse"], p["worse"])} by '
                     f'{_points(p["candidate"])} ({reference_name}: {there})')
    same = sum(1 for p in result['extra'] if p['reference'] is not None and
               p['reference']['gap'] * p['candidate']['gap'] > 0)
    lines.append(f'- in the same direction on {reference_name}: {same} of '
                 f'{len(result["extra"])}')
    return lines
