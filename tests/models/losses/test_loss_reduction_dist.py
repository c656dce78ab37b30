"""Every long-tail loss under 2-process DDP (gloo, CPU) equals the 1-process
run on the same global batch (issue 15 item 4): the loss value (mean over
ranks) and the gradients of the logits and of the linear classifier that
produces them, within the tolerance of tests/e2e/test_dist_equivalence.py.

The ranks hold 5 and 3 of the 8 samples, so the per-rank normalizers
differ (batch size, class weights, soft-label mass) and a loss that divides
by its own rank's normalizer fails here. One pair of processes runs every
case: this file is also the worker script (``python THIS_FILE RANK WORLD
PORT OUT``).
"""
import datetime
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
import torch.distributed as dist
import torch.nn as nn

from brl_mm.testing import PYTHON, REPO, free_port

COUNTS = [8, 5, 3, 2]
FEATURES = 6
RANK_ROWS = (slice(0, 5), slice(5, 8))
HARD = [0, 1, 0, 3, 2, 1, 0, 2]
# mixup-like soft labels: per-row alphas, rows of both ranks mixed
SOFT = [[0.64, 0.0, 0.0, 0.36], [0, 1, 0, 0], [0.0, 0.55, 0.45, 0.0],
        [0, 0, 0, 1], [0, 0, 1, 0], [0.3, 0.7, 0.0, 0.0], [1, 0, 0, 0],
        [0.0, 0.0, 0.64, 0.36]]
# the legacy mixup's labels: one alpha (0.64) for every mixed row
LEGACY_SOFT = [[0.64, 0.0, 0.0, 0.36], [0, 1, 0, 0], [0.0, 0.64, 0.36, 0.0],
               [0, 0, 0, 1], [0, 0, 1, 0], [0.36, 0.64, 0.0, 0.0],
               [1, 0, 0, 0], [0.0, 0.0, 0.64, 0.36]]

# name: (loss config, stage, epoch within the stage, labels)
CASES = {}
for _stage in (1, 2):
    for _labels in ('hard', 'soft'):
        for _cfg in (dict(type='ActionAwareLoss'),
                     dict(type='ClassBalancedLoss'),
                     dict(type='FocalLoss', gamma=2.0),
                     dict(type='LDAMLoss'),
                     dict(type='LogitAdjustedLoss', two_stage=True)):
            CASES[f"{_cfg['type']}-stage{_stage}-{_labels}"] = (_cfg, _stage,
                                                                0, _labels)
    for _epoch in (0, 1):  # AA weights, then the flipped ones
        for _labels in ('hard', 'legacy_soft'):
            CASES[f'ActionAwareLoss-legacy-stage{_stage}-epoch{_epoch}-'
                  f'{_labels}'] = (dict(type='ActionAwareLoss', legacy=True),
                                   _stage, _epoch, _labels)
for _labels in ('hard', 'soft'):
    CASES[f'BalancedSoftmaxLoss-{_labels}'] = (dict(
        type='BalancedSoftmaxLoss'), 1, 0, _labels)


def global_batch():
    generator = torch.Generator().manual_seed(15)
    features = torch.randn(len(HARD), FEATURES, generator=generator)
    classifier = nn.Linear(FEATURES, len(COUNTS))
    with torch.no_grad():
        classifier.weight.copy_(
            torch.randn(len(COUNTS), FEATURES, generator=generator))
        classifier.bias.copy_(torch.randn(len(COUNTS), generator=generator))
    labels = dict(hard=torch.tensor(HARD),
                  soft=torch.tensor(SOFT).float(),
                  legacy_soft=torch.tensor(LEGACY_SOFT).float())
    return features, classifier, labels


def run_case(name, rows, world_size):
    """Forward and backward of one case on the given rows of the batch.

    Returns the loss averaged over ranks, the logits gradient divided by
    the world size (DDP averages the parameter gradients over ranks, so
    that is this rank's share of the update) and the classifier gradients
    after DDP's all-reduce."""
    import brl_mm  # noqa: F401  (registers the losses)
    from mmaction.registry import MODELS

    cfg, stage, epoch_in_stage, label_kind = CASES[name]
    features, classifier, labels = global_batch()
    loss_fn = MODELS.build(dict(cfg))
    loss_fn.set_class_counts(COUNTS)
    loss_fn.set_stage(stage)
    if hasattr(loss_fn, 'set_stage_epoch'):
        loss_fn.set_stage_epoch(epoch_in_stage)
    model = classifier
    if world_size > 1:
        model = nn.parallel.DistributedDataParallel(classifier)
    logits = model(features[rows])
    logits.retain_grad()
    loss = loss_fn(logits, labels[label_kind][rows])
    loss.backward()
    value = loss.detach().clone()
    if world_size > 1:
        dist.all_reduce(value)
    return dict(loss=value / world_size,
                logits_grad=logits.grad / world_size,
                weight_grad=classifier.weight.grad.clone(),
                bias_grad=classifier.bias.grad.clone())


def worker(rank, world_size, port, out_dir):
    dist.init_process_group('gloo',
                            init_method=f'tcp://127.0.0.1:{port}',
                            rank=rank,
                            world_size=world_size,
                            timeout=datetime.timedelta(seconds=120))
    try:
        results = {
            name: run_case(name, RANK_ROWS[rank], world_size)
            for name in CASES
        }
        torch.save(results, osp.join(out_dir, f'rank{rank}.pth'))
    finally:
        dist.destroy_process_group()


@pytest.fixture(scope='module')
def two_ranks(tmp_path_factory):
    out_dir = str(tmp_path_factory.mktemp('loss_dist'))
    env = dict(os.environ,
               OMP_NUM_THREADS='1',
               PYTHONPATH=os.pathsep.join(
                   [REPO, os.environ.get('PYTHONPATH', '')]))
    port = str(free_port())
    procs = [
        subprocess.Popen(
            [PYTHON, osp.abspath(__file__),
             str(rank), '2', port, out_dir],
            env=env,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True) for rank in range(2)
    ]
    logs = [proc.communicate(timeout=300)[0] for proc in procs]
    for proc, log in zip(procs, logs):
        assert proc.returncode == 0, log[-3000:]
    return [
        torch.load(osp.join(out_dir, f'rank{rank}.pth')) for rank in range(2)
    ]


def test_every_loss_and_stage_is_covered():
    names = ' '.join(CASES)
    for loss in ('ActionAwareLoss', 'ClassBalancedLoss', 'FocalLoss',
                 'LDAMLoss', 'LogitAdjustedLoss', 'BalancedSoftmaxLoss',
                 'legacy'):
        assert loss in names
    assert len(CASES) == 30


@pytest.mark.parametrize('name', sorted(CASES))
def test_two_ranks_equal_one_process(two_ranks, name):
    single = run_case(name, slice(None), 1)
    rank0, rank1 = (ranks[name] for ranks in two_ranks)
    tol = dict(rtol=1e-5, atol=1e-6)
    for rank in (rank0, rank1):
        torch.testing.assert_close(rank['loss'], single['loss'], **tol)
        torch.testing.assert_close(rank['weight_grad'], single['weight_grad'],
                                   **tol)
        torch.testing.assert_close(rank['bias_grad'], single['bias_grad'],
                                   **tol)
    torch.testing.assert_close(
        torch.cat([rank0['logits_grad'], rank1['logits_grad']]),
        single['logits_grad'], **tol)
    # the ranks hold different parts of the batch: the check is not vacuous
    assert not torch.allclose(rank0['logits_grad'][:3], rank1['logits_grad'])


if __name__ == '__main__':
    worker(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4])
