"""LongTailMetric against hand-computed values, the count protocol, the
per-class files, a Runner test loop and a 2-process (gloo) evaluation."""
import csv
import json
import os
import os.path as osp
import socket
import subprocess

import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate

from brl_mm.class_counts import NeedsClassCounts, needs_class_counts
from brl_mm.engine import DetachedScheduleHook
from brl_mm.evaluation import LongTailMetric
from brl_mm.testing import PYTHON, REPO

K = 7
# classes 0,1: many (> 100); 2,3: medium; 4,5,6: few (< 20)
COUNTS = [500, 150, 50, 30, 5, 3, 2]
# (true class, predicted class, true class ranked last?) per test sample;
# classes 3, 5 and 6 have no test sample.
SAMPLES = [(0, 0, False), (0, 0, False), (0, 1, False),  # class 0: 2/3
           (1, 1, False), (1, 2, False),                 # class 1: 1/2
           (2, 2, False), (2, 2, False),                 # class 2: 2/2
           (4, 0, False), (4, 0, True)]                  # class 4: 0/2
HAND = {
    'top1': 5 / 9,
    'top5': 8 / 9,  # the last sample's true class is ranked 7th of 7
    'mean_class': (2 / 3 + 1 / 2 + 1 + 0) / 4,  # 4 classes with samples
    'many': (2 / 3 + 1 / 2) / 2,
    'medium': 1.0,  # class 3 has no test sample
    'few': 0.0,  # classes 5, 6 have none
}


def scores_of(gt: int, pred: int, last: bool) -> np.ndarray:
    score = np.full(K, 0.1)
    score[pred] = 0.5
    if gt != pred:
        score[gt] = 0.0 if last else 0.2
    return score / score.sum()


def data_samples(samples=SAMPLES, one_hot_first=False):
    out = []
    for i, (gt, pred, last) in enumerate(samples):
        label = torch.tensor([gt])
        if one_hot_first and i == 0:  # a one-hot (soft) label vector
            label = torch.nn.functional.one_hot(torch.tensor(gt), K).float()
        out.append(dict(pred_score=torch.from_numpy(
            scores_of(gt, pred, last)).float(), gt_label=label))
    return out


def evaluate(metric, samples=None, batch=4):
    samples = data_samples() if samples is None else samples
    for start in range(0, len(samples), batch):
        metric.process(None, samples[start:start + batch])
    return metric.evaluate(len(samples))


def test_hand_computed_values_with_an_absent_class(tmp_path):
    metric = LongTailMetric(class_counts=COUNTS, out_dir=str(tmp_path))
    result = evaluate(metric, data_samples(one_hot_first=True))
    assert list(result) == ['lt/' + k for k in HAND]  # lt/top1 first
    for key, value in HAND.items():
        assert result[f'lt/{key}'] == pytest.approx(value), key


def test_per_class_files(tmp_path):
    metric = LongTailMetric(class_counts=COUNTS, out_dir=str(tmp_path),
                            plot=True)
    metric.dataset_meta = dict(classes=[f'action {c}' for c in range(K)])
    evaluate(metric)
    rows = list(csv.DictReader(open(tmp_path / 'lt_per_class.csv')))
    assert [r['class_id'] for r in rows] == [str(c) for c in range(K)]
    assert rows[0]['class_name'] == 'action 0'
    assert [r['shot'] for r in rows] == ['many'] * 2 + ['medium'] * 2 + \
        ['few'] * 3
    assert [r['test_samples'] for r in rows] == list('3220200')
    assert [r['correct'] for r in rows] == list('2120000')
    assert float(rows[0]['accuracy']) == pytest.approx(2 / 3, abs=1e-6)
    assert rows[3]['accuracy'] == '' and rows[4]['accuracy'] == '0.000000'
    report = json.load(open(tmp_path / 'lt_per_class.json'))
    assert report['metrics']['top1'] == pytest.approx(HAND['top1'])
    assert report['absent_classes'] == [3, 5, 6]
    assert report['per_class'][3]['accuracy'] is None  # NaN -> null
    assert report['per_class'][1]['train_count'] == 150
    assert (report['many_thr'], report['few_thr']) == (100, 20)
    assert report['groups'] == dict(many=[0, 1], medium=[2, 3],
                                    few=[4, 5, 6])
    png = tmp_path / 'lt_per_class.png'
    assert png.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'


def test_thresholds_are_configurable(tmp_path):
    metric = LongTailMetric(class_counts=COUNTS, many_thr=200, few_thr=40,
                            out_dir=str(tmp_path), prefix='val')
    result = evaluate(metric)
    # many: class 0; medium: 1, 2 (150, 50); few: 3..6 (only 4 tested)
    assert result['val/many'] == pytest.approx(2 / 3)
    assert result['val/medium'] == pytest.approx((1 / 2 + 1) / 2)
    assert result['val/few'] == 0.0
    assert osp.exists(tmp_path / 'val_per_class.csv')


def test_without_counts_only_count_free_metrics_and_why(monkeypatch,
                                                       tmp_path):
    messages = []
    monkeypatch.setattr('brl_mm.evaluation.metrics.long_tail_metric.print_log',
                        lambda msg, **kw: messages.append(msg))
    metric = LongTailMetric(out_dir=str(tmp_path), plot=True)
    result = evaluate(metric)
    assert list(result) == ['lt/top1', 'lt/top5', 'lt/mean_class']
    assert result['lt/mean_class'] == pytest.approx(HAND['mean_class'])
    assert any('lt/many, lt/medium and lt/few are not reported' in m and
               'DetachedScheduleHook' in m for m in messages)
    assert any('plot=True needs training class counts' in m
               for m in messages)
    rows = list(csv.DictReader(open(tmp_path / 'lt_per_class.csv')))
    assert rows[0]['train_count'] == '' and rows[0]['shot'] == ''


def test_empty_groups_are_left_out():
    metric = LongTailMetric(class_counts=[5] * K, save_per_class=False)
    result = evaluate(metric)
    assert 'lt/many' not in result and 'lt/medium' not in result
    assert result['lt/few'] == pytest.approx(HAND['mean_class'])


def test_count_protocol_of_the_schedule_hook():
    metric = LongTailMetric(save_per_class=False)
    assert needs_class_counts(metric) and isinstance(metric, NeedsClassCounts)
    hook = DetachedScheduleHook()
    assert hook._hand_out_counts([metric], np.array(COUNTS)) == [metric]
    result = evaluate(metric)
    assert result['lt/many'] == pytest.approx(HAND['many'])
    # configured counts win over the hook's (a mismatch is logged)
    fixed = LongTailMetric(class_counts=COUNTS, save_per_class=False)
    fixed.set_class_counts([1] * K)
    assert fixed.class_counts.tolist() == COUNTS


def test_clear_errors():
    metric = LongTailMetric(class_counts=[1, 2, 3], save_per_class=False)
    with pytest.raises(ValueError, match='3 training class counts for '
                       '7-class scores'):
        evaluate(metric)
    with pytest.raises(TypeError, match='train_counts'):
        LongTailMetric(train_counts=[1, 2])  # one argument name: class_counts
    with pytest.raises(ValueError, match='non-negative integers'):
        LongTailMetric(class_counts=[1, -2])
    metric = LongTailMetric()
    with pytest.raises(TypeError, match='one pred_score per sample'):
        metric.process(None, [dict(pred_score=dict(rgb=torch.zeros(2)),
                                   gt_label=torch.tensor([0]))])


def test_in_a_runner_test_loop_with_the_hook(tmp_path):
    """tools/test.py's path: the hook hands the counts to the test metric,
    files land in work_dir/<timestamp>/ next to the run's log."""
    from mmengine.model import BaseModel
    from mmengine.runner import Runner
    from mmaction.structures import ActionDataSample

    class FixedScores(BaseModel):

        def __init__(self):
            super().__init__()
            self.weight = torch.nn.Parameter(torch.zeros(1))

        def forward(self, inputs, data_samples=None, mode='tensor'):
            out = []  # pseudo_collate: a dict of per-sample lists
            for score, label in zip(data_samples['score'],
                                    data_samples['label']):
                ds = ActionDataSample()
                ds.set_pred_score(score)
                ds.set_gt_label(label)
                out.append(ds)
            return out

    dataset = [
        dict(inputs=torch.zeros(1),
             data_samples=dict(score=s['pred_score'], label=s['gt_label']))
        for s in data_samples()
    ]
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=4, collate_fn=pseudo_collate)
    runner = Runner(
        model=FixedScores(),
        work_dir=str(tmp_path),
        test_dataloader=loader,
        test_cfg=dict(),
        test_evaluator=dict(type='LongTailMetric', plot=True),
        custom_hooks=[dict(type='DetachedScheduleHook',
                           class_counts=COUNTS)],
        default_scope='mmaction',
        default_hooks=dict(logger=dict(type='LoggerHook', interval=1)),
        env_cfg=dict(dist_cfg=dict(backend='gloo')))
    metrics = runner.test()
    assert metrics['lt/few'] == 0.0
    assert metrics['lt/many'] == pytest.approx(HAND['many'])
    files = os.listdir(runner.log_dir)
    assert {'lt_per_class.csv', 'lt_per_class.json',
            'lt_per_class.png'} <= set(files)


DIST_SCRIPT = r'''
import json, os, sys
import numpy as np
import torch
import torch.distributed as dist
import brl_mm  # noqa
sys.path.insert(0, {tests!r})
from test_lt_metric import COUNTS, data_samples
from brl_mm.evaluation import LongTailMetric

rank = int(os.environ['RANK'])
dist.init_process_group('gloo', init_method='tcp://127.0.0.1:{port}',
                        rank=rank, world_size=2)
samples = data_samples()
# DistributedSampler order: interleaved, padded to an even length
index = list(range(len(samples))) + [0]
metric = LongTailMetric(class_counts=COUNTS, out_dir={out!r})
metric.process(None, [samples[i] for i in index[rank::2]])
result = metric.evaluate(len(samples))
json.dump(result, open(os.path.join({out!r}, f'rank{{rank}}.json'), 'w'))
dist.destroy_process_group()
'''


def test_two_process_evaluation_sees_the_whole_test_set(tmp_path):
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    script = tmp_path / 'dist_eval.py'
    script.write_text(DIST_SCRIPT.format(
        tests=osp.dirname(osp.abspath(__file__)), port=port, out=str(tmp_path)))
    procs = [
        subprocess.Popen([PYTHON, str(script)], cwd=REPO,
                         env=dict(os.environ, RANK=str(rank)),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True) for rank in range(2)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), '\n'.join(outputs)[-3000:]
    results = [json.load(open(tmp_path / f'rank{r}.json')) for r in (0, 1)]
    assert results[0] == results[1]  # broadcast to every rank
    for key, value in HAND.items():
        assert results[0][f'lt/{key}'] == pytest.approx(value), key
    report = json.load(open(tmp_path / 'lt_per_class.json'))
    assert report['num_samples'] == len(SAMPLES)  # padding dropped
