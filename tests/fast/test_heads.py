"""SyncFreeGCNHead: same parameters, loss and gradients as mmaction's
GCNHead (hard and soft labels, CE and ActionAwareLoss in both stages),
on-device top-k accuracy equal to mmaction's numpy one, bf16 scores."""
import numpy as np
import pytest
import torch
from mmaction.evaluation import top_k_accuracy
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

import brl_mm  # noqa: F401  (compat shims + registration)
from brl_mm.fast.heads import SyncFreeGCNHead, top_k_accuracy_on_device

NUM_CLASSES = 6
COUNTS = [40, 20, 10, 5, 2, 1]


def _heads(loss_cls=None, **kwargs):
    """A stock GCNHead and a SyncFreeGCNHead with the same weights."""
    cfg = dict(num_classes=NUM_CLASSES, in_channels=8, **kwargs)
    if loss_cls is not None:
        cfg['loss_cls'] = loss_cls
    torch.manual_seed(0)
    stock = MODELS.build(dict(type='GCNHead', **cfg))
    stock.init_weights()
    ours = MODELS.build(dict(type='SyncFreeGCNHead', **cfg))
    ours.load_state_dict(stock.state_dict())
    return stock, ours


def _feats(batch=4, seed=1):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(batch, 2, 8, 3, 5, generator=gen)  # (N, M, C, T, V)


def _hard(labels):
    return [ActionDataSample().set_gt_label(int(y)) for y in labels]


def _soft(labels, partner, alpha=0.64):
    eye = torch.eye(NUM_CLASSES)
    return [
        ActionDataSample().set_gt_label(alpha * eye[y] + (1 - alpha) * eye[p])
        for y, p in zip(labels, partner)
    ]


def _loss_and_grads(head, feats, samples):
    feats = feats.clone().requires_grad_(True)
    head.zero_grad()
    losses = head.loss(feats, samples)
    losses['loss_cls'].backward()
    grads = [feats.grad] + [p.grad for p in head.parameters()]
    return losses, grads


def _assert_same_training(stock, ours, samples, batch=4):
    feats = _feats(batch)
    stock_losses, stock_grads = _loss_and_grads(stock, feats, samples)
    our_losses, our_grads = _loss_and_grads(ours, feats, samples)
    assert set(our_losses) == set(stock_losses)
    torch.testing.assert_close(our_losses['loss_cls'],
                               stock_losses['loss_cls'], rtol=0, atol=0)
    for ours_g, stock_g in zip(our_grads, stock_grads):
        torch.testing.assert_close(ours_g, stock_g, rtol=0, atol=0)
    for key in stock_losses:
        if key.endswith('_acc'):
            assert our_losses[key].item() == pytest.approx(
                stock_losses[key].item(), abs=1e-7)
    return our_losses


def test_same_parameters_as_gcn_head():
    stock, ours = _heads()
    assert list(ours.state_dict()) == list(stock.state_dict())
    assert 'train_accuracy=True' in repr(ours)


def test_hard_labels_same_loss_grads_accuracy_cross_entropy():
    stock, ours = _heads()
    losses = _assert_same_training(stock, ours, _hard([0, 3, 5, 3]))
    assert set(losses) == {'top1_acc', 'top5_acc', 'loss_cls'}


def test_soft_labels_same_loss_and_grads_no_accuracy():
    stock, ours = _heads()
    losses = _assert_same_training(stock, ours,
                                   _soft([0, 3, 5, 3], [1, 1, 0, 2]))
    assert set(losses) == {'loss_cls'}


@pytest.mark.parametrize('stage', [1, 2])
@pytest.mark.parametrize('soft', [False, True])
def test_action_aware_loss_both_stages(stage, soft):
    stock, ours = _heads(
        loss_cls=dict(type='ActionAwareLoss', class_counts=COUNTS))
    for head in (stock, ours):
        head.loss_cls.set_stage(stage)
    samples = (_soft([0, 3, 5, 4], [1, 1, 0, 2])
               if soft else _hard([0, 3, 5, 4]))
    _assert_same_training(stock, ours, samples)


def test_batch_of_one_and_label_smoothing():
    stock, ours = _heads(label_smooth_eps=0.1)
    _assert_same_training(stock, ours, _hard([2]), batch=1)
    _assert_same_training(stock, ours, _soft([2], [4]), batch=1)
    _assert_same_training(stock, ours, _hard([2, 0, 1]), batch=3)


def test_accuracy_off():
    ours = SyncFreeGCNHead(NUM_CLASSES, 8, train_accuracy=False)
    losses = ours.loss(_feats(), _hard([0, 1, 2, 3]))
    assert set(losses) == {'loss_cls'}


def test_top_k_accuracy_matches_mmaction():
    gen = torch.Generator().manual_seed(3)
    scores = torch.randn(32, NUM_CLASSES, generator=gen)
    labels = torch.randint(0, NUM_CLASSES, (32, ), generator=gen)
    topk = (1, 2, 5, 9)  # 9 > number of classes: every sample is right
    ours = top_k_accuracy_on_device(scores, labels, topk)
    stock = top_k_accuracy(scores.numpy(), labels.numpy(), topk)
    assert [a.item() for a in ours] == pytest.approx(stock, abs=1e-7)
    assert ours[-1].item() == 1.0
    assert all(a.dtype == torch.float32 and a.dim() == 0 for a in ours)
    # hand-checked example: label ranks 1st, 3rd, 2nd
    scores = torch.tensor([[3., 2., 1.], [1., 2., 3.], [2., 3., 1.]])
    acc = top_k_accuracy_on_device(scores, torch.tensor([0, 0, 0]), (1, 2))
    assert [a.item() for a in acc] == pytest.approx([1 / 3, 2 / 3])


def test_bf16_scores_work_where_stock_fails():
    stock, ours = _heads()
    feats = _feats().bfloat16()
    stock.bfloat16(), ours.bfloat16()
    with pytest.raises(TypeError):
        stock.loss(feats, _hard([0, 1, 2, 3]))  # numpy has no bfloat16
    losses = ours.loss(feats, _hard([0, 1, 2, 3]))
    assert torch.isfinite(losses['loss_cls'])
    assert 0.0 <= losses['top1_acc'].item() <= 1.0


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_cuda_loss_without_host_sync():
    _, ours = _heads()
    ours.cuda()
    feats = _feats().cuda().requires_grad_(True)
    samples = [s.to('cuda') for s in _hard([0, 1, 2, 3])]
    torch.cuda.set_sync_debug_mode('error')
    try:
        losses = ours.loss(feats, samples)
        losses['loss_cls'].backward()
    finally:
        torch.cuda.set_sync_debug_mode(0)
    assert isinstance(ours, SyncFreeGCNHead)
    assert np.isfinite(losses['loss_cls'].item())
