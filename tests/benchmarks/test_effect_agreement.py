"""benchmarks/effect/agreement.py: which pairs of rows a reference report
separates, and how a candidate report orders them."""
import json
import os.path as osp
import sys

import pytest

from brl_mm.testing import REPO

sys.path.insert(0, osp.join(REPO, 'benchmarks'))
from effect import agreement as A  # noqa: E402
from effect.report import aggregate  # noqa: E402


def _rows(**values):
    """``name=[per-seed top-1]`` -> report rows (top1 only)."""
    return {name: dict(top1=aggregate(v)) for name, v in values.items()}


def test_separation_uses_twice_the_larger_std():
    a, b = aggregate([0.70, 0.72, 0.68]), aggregate([0.50, 0.52, 0.48])
    sep = A.separation(a, b)
    assert sep['gap'] == pytest.approx(0.2)
    assert sep['margin'] == pytest.approx(0.04)
    assert sep['separated']
    close = aggregate([0.53, 0.55, 0.51])  # +0.03 < 0.04
    assert not A.separation(close, b)['separated']
    assert A.separation(aggregate([0.9]), b) is None  # one seed
    assert A.separation(aggregate([float('nan')] * 2), b) is None


def test_compare_tallies_every_outcome():
    ref = _rows(ce=[0.50, 0.52, 0.48], cas=[0.30, 0.32, 0.28],
                brl=[0.70, 0.72, 0.68], bsm=[0.51, 0.53, 0.49])
    cand = _rows(ce=[0.60, 0.62, 0.58],  # cas: separated, same order
                 cas=[0.40, 0.42, 0.38],
                 brl=[0.55, 0.57, 0.53],  # below ce: the opposite order
                 bsm=[0.90, 0.92, 0.88])  # bsm ~ ce on ref: extra
    result = A.compare(ref, cand, metrics=('top1', ))
    outcome = {(p['better'], p['worse']): p['outcome']
               for p in result['pairs']}
    assert outcome == {
        ('ce', 'cas'): 'agrees, separated',
        ('brl', 'ce'): 'opposite order',
        ('brl', 'cas'): 'agrees, separated',
        ('bsm', 'cas'): 'agrees, separated',
        ('brl', 'bsm'): 'opposite order',
    }
    assert result['tally'] == {'agrees, separated': 3,
                               'agrees, within spread': 0,
                               'opposite order': 2,
                               'fewer than 2 seeds': 0}
    assert [(p['better'], p['worse']) for p in result['extra']] == [
        ('bsm', 'ce')]
    text = A.format_agreement(result, {}, 'UTKinect', 'synthetic')
    # bsm 0.51 vs ce 0.50 on the reference: the same direction, inside
    assert '- top1: bsm > ce by 30.0 (margin 4.0) (UTKinect: +1.0, margin ' \
        '4.0)' in text
    assert text.rstrip().endswith('- in the same direction on UTKinect: 1 '
                                  'of 1')
    # within the spread but the same sign, and a row run once only
    cand = _rows(ce=[0.50, 0.60, 0.40], cas=[0.45, 0.55, 0.35],
                 brl=[0.9])
    result = A.compare(_rows(ce=[0.50, 0.52, 0.48],
                             cas=[0.30, 0.32, 0.28],
                             brl=[0.70, 0.72, 0.68]), cand, ('top1', ))
    outcome = {(p['better'], p['worse']): p['outcome']
               for p in result['pairs']}
    assert outcome[('ce', 'cas')] == 'agrees, within spread'
    assert outcome[('brl', 'ce')] == 'fewer than 2 seeds'
    text = A.format_agreement(result, dict(ce='plain CE'), 'UTKinect',
                              'synthetic')
    assert '| top1 | plain CE | cas | 20.0 (margin 4.0) | +5.0 (margin ' \
        '20.0) | agrees, within spread |' in text
    assert text.startswith('Pairs of rows that UTKinect separates')


def test_load_rows_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='lt_effect.py'):
        A.load_rows(str(tmp_path), 10)
    (tmp_path / 'report.json').write_text(json.dumps(
        {'10': dict(rows=_rows(ce=[0.5, 0.6])), 'mode': 'cpu'}))
    assert set(A.load_rows(str(tmp_path), 10)) == {'ce'}
    with pytest.raises(KeyError, match=r"no IF 100 \(it has \['10'\]\)"):
        A.load_rows(str(tmp_path / 'report.json'), 100)


def test_nothing_separated_says_so():
    ref = _rows(ce=[0.50, 0.60, 0.40], brl=[0.52, 0.62, 0.42])
    cand = _rows(ce=[0.50, 0.51, 0.49], brl=[0.70, 0.71, 0.69])
    result = A.compare(ref, cand, ('top1', ))
    assert result['pairs'] == [] and len(result['extra']) == 1
    text = A.format_agreement(result, {}, 'UTKinect', 'synthetic')
    assert text.startswith('UTKinect separates no pair of rows')
    assert '| metric |' not in text
    assert '- top1: brl > ce by 20.0 (margin 2.0)' in text


def test_a_docs_block_is_a_reference(tmp_path):
    from effect import report as R
    per_seed = dict(ce=[(0.70, 0.50, 0.40), (0.74, 0.54, 0.30)],
                    cas=[(0.61, 0.20, 0.10), (0.63, 0.24, 0.15)])
    rows = {}
    for name, values in per_seed.items():
        results = [dict(top1=t, mean_class=t, many=t, medium=t, few=f,
                        tail=a, seed=s, per_class=[t])
                   for s, (t, f, a) in enumerate(values)]
        rows[name] = R.summarize(results)
    report = {10.0: dict(rows=rows, runs={}, missing=[], stale=[],
                         train_counts=[])}
    text = R.format_report(report, 'utkinect', {}, dict(
        planned=4, finished=4, run_s=0.0))
    doc = tmp_path / 'b.md'
    doc.write_text('# Benchmarks\n')
    R.write_docs(str(doc), text, '<!-- ref:begin (written by x) -->',
                 '<!-- ref:end -->')
    got = A.load_rows(f'{doc}:ref', 10, R.ROW_LABELS)
    assert set(got) == {'ce', 'cas'}
    for name in rows:
        for metric in A.AGREEMENT_METRICS:
            assert got[name][metric]['n'] == 2
            # the table's 0.1-point precision
            assert got[name][metric]['mean'] == pytest.approx(
                rows[name][metric]['mean'], abs=5e-4)
            assert got[name][metric]['std'] == pytest.approx(
                rows[name][metric]['std'], abs=5e-4)
    # the same pairs as from the rows themselves
    assert A.compare(got, rows)['tally'] == A.compare(rows, rows)['tally']
    with pytest.raises(KeyError, match=r"no block 'other' \(the file has "
                       r"\['ref'\]\)"):
        A.load_rows(f'{doc}:other', 10, R.ROW_LABELS)
    with pytest.raises(KeyError, match=r"no IF = 100 \(it has \['IF = 10'\]"):
        A.load_rows(f'{doc}:ref', 100, R.ROW_LABELS)
    with pytest.raises(KeyError, match='no method'):
        A.load_rows(f'{doc}:ref', 10, {'ce': 'plain CE (stock pipeline)'})
    with pytest.raises(FileNotFoundError, match='no Markdown file'):
        A.load_rows(f'{tmp_path}/none.md:ref', 10, R.ROW_LABELS)
