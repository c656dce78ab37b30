"""Long-tail losses: hand-computed weights and losses on a 3-class example,
hard/soft label agreement, stage switching, checkpoints, AMP, no host
syncs in forward."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import brl_mm  # noqa: F401  (compat shims + registration)
from brl_mm.models.losses import (ActionAwareLoss, ClassBalancedLoss,
                                  FocalLoss, LDAMLoss, LogitAdjustedLoss,
                                  action_aware_class_weight,
                                  class_balanced_weight,
                                  legacy_flipped_class_weight)
from mmaction.registry import MODELS

COUNTS = [4, 2, 1]
LOGITS = [[2.0, 0.5, -1.0], [0.1, 0.3, 0.2], [-0.5, 1.5, 0.0]]
LABELS = [0, 2, 1]


def logits_labels():
    return torch.tensor(LOGITS), torch.tensor(LABELS)


def log_softmax_row(row):
    """-log p by hand: log-sum-exp of a python list."""
    lse = math.log(sum(math.exp(v) for v in row))
    return [v - lse for v in row]


def normalized(weights):
    return [len(weights) * w / sum(weights) for w in weights]


def hand_weighted_ce(logits, labels, weights):
    num = sum(-log_softmax_row(row)[y] * weights[y]
              for row, y in zip(logits, labels))
    return num / sum(weights[y] for y in labels)


def make(loss_type, stage=2, counts=COUNTS, **kwargs):
    loss = MODELS.build(dict(type=loss_type, **kwargs))
    loss.set_class_counts(counts)
    loss.set_stage(stage)
    return loss


# ------------------------------------------------------------------ weights
def test_action_aware_weights_by_hand():
    # n = [4, 2, 1]: beta = 0.99 + 0.0099 * (n - 1) / 3 = [0.9999, 0.9933,
    # 0.99]; (1 - b) / (1 - b^n) = 1 / ((1 + b)(1 + b^2)), 1 / (1 + b), 1.
    b0, b1 = 0.9999, 0.9933
    raw = [1 / ((1 + b0) * (1 + b0**2)), 1 / (1 + b1), 1.0]
    expected = normalized(raw)
    np.testing.assert_allclose(action_aware_class_weight(COUNTS),
                               expected,
                               rtol=1e-12)
    np.testing.assert_allclose(expected,
                               [0.428215302, 0.859180402, 1.712604296],
                               rtol=1e-8)
    assert action_aware_class_weight(COUNTS).sum() == pytest.approx(3)


def test_action_aware_weights_equal_counts_are_uniform():
    # n_max == n_min: the ratio is taken as 0, no 0/0.
    np.testing.assert_array_equal(action_aware_class_weight([5, 5, 5]),
                                  [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(action_aware_class_weight([7]), [1.0])


def test_action_aware_weights_count_one_everywhere_and_mixed():
    np.testing.assert_array_equal(action_aware_class_weight([1, 1]),
                                  [1.0, 1.0])
    # class of count 1 has raw weight exactly 1; the head class (n=3,
    # beta=0.9999) 1 / (1 + b + b^2).
    b = 0.9999
    raw = [1 / (1 + b + b * b), 1.0]
    np.testing.assert_allclose(action_aware_class_weight([3, 1]),
                               normalized(raw),
                               rtol=1e-12)


@pytest.mark.parametrize('weights_fn', [
    action_aware_class_weight, class_balanced_weight,
    legacy_flipped_class_weight
])
def test_count_zero_is_a_clear_error(weights_fn):
    with pytest.raises(ValueError,
                       match=r'no training sample.*\[1\]'
                       r'.*num_classes'):
        weights_fn([4, 0, 1])


def test_loss_rejects_zero_and_negative_counts():
    loss = ActionAwareLoss()
    with pytest.raises(ValueError, match='no training sample'):
        loss.set_class_counts(torch.tensor([3, 0]))
    with pytest.raises(ValueError, match='non-negative integers'):
        loss.set_class_counts([3, -1])
    with pytest.raises(ValueError, match='1-D'):
        loss.set_class_counts([[1, 2]])


def test_bad_betas_are_rejected():
    with pytest.raises(ValueError, match='upsilon \\+ lam < 1'):
        ActionAwareLoss(upsilon=0.995, lam=0.005)
    with pytest.raises(ValueError, match='two_stage'):
        ActionAwareLoss(legacy=True, two_stage=False)


def test_class_balanced_weights_by_hand():
    b = 0.9999
    expected = normalized([1 / ((1 + b) * (1 + b * b)), 1 / (1 + b), 1.0])
    np.testing.assert_allclose(class_balanced_weight(COUNTS),
                               expected,
                               rtol=1e-12)
    np.testing.assert_allclose(class_balanced_weight(COUNTS, beta=0.0),
                               [1, 1, 1])


def test_legacy_flipped_weights_by_hand():
    # original code, 2nd stage-2 epoch: b = 1 - beta = [1e-4, 6.7e-3, 1e-2],
    # w = (1 - b) / (1 - b^n).
    b = [1 - 0.9999, 1 - 0.9933, 1 - 0.99]
    raw = [(1 - bi) / (1 - bi**n) for bi, n in zip(b, COUNTS)]
    np.testing.assert_allclose(legacy_flipped_class_weight(COUNTS),
                               normalized(raw),
                               rtol=1e-9)


# -------------------------------------------------------------- AA loss
def test_action_aware_loss_stages_by_hand():
    logits, labels = logits_labels()
    loss = make('ActionAwareLoss', stage=1)
    assert loss.current_stage == 1
    assert torch.equal(loss.class_weight, torch.ones(3))
    stage1 = hand_weighted_ce(LOGITS, LABELS, [1, 1, 1])
    assert loss(logits, labels).item() == pytest.approx(stage1, rel=1e-6)
    assert stage1 == pytest.approx(F.cross_entropy(logits, labels).item(),
                                   rel=1e-6)

    loss.set_stage(2)
    w = action_aware_class_weight(COUNTS)
    np.testing.assert_allclose(loss.class_weight.numpy(), w, rtol=1e-6)
    expected = hand_weighted_ce(LOGITS, LABELS, w)
    assert loss(logits, labels).item() == pytest.approx(expected, rel=1e-6)
    assert float(loss.stage) == 2.0

    loss.set_stage(1)  # back to plain CE
    assert loss(logits, labels).item() == pytest.approx(stage1, rel=1e-6)


def test_action_aware_soft_label_formula_by_hand():
    logits, _ = logits_labels()
    soft = torch.tensor([[0.64, 0.36, 0.0], [0.0, 0.2, 0.8], [0.5, 0.5, 0.0]])
    w = action_aware_class_weight(COUNTS)
    num = den = 0.0
    for row, q in zip(LOGITS, soft.tolist()):
        log_p = log_softmax_row(row)
        num += sum(qc * w[c] * -log_p[c] for c, qc in enumerate(q))
        den += sum(qc * w[c] for c, qc in enumerate(q))
    loss = make('ActionAwareLoss', stage=2)
    assert loss(logits, soft).item() == pytest.approx(num / den, rel=1e-6)


def test_action_aware_two_stage_false_weights_from_the_start():
    loss = make('ActionAwareLoss', stage=1, two_stage=False)
    np.testing.assert_allclose(loss.class_weight.numpy(),
                               action_aware_class_weight(COUNTS),
                               rtol=1e-6)


def test_action_aware_legacy_flips_every_other_stage2_epoch():
    loss = make('ActionAwareLoss', stage=2, legacy=True)
    aa = action_aware_class_weight(COUNTS)
    flipped = legacy_flipped_class_weight(COUNTS)
    for epoch_in_stage, expected in enumerate([aa, flipped, aa, flipped]):
        loss.set_stage_epoch(epoch_in_stage)
        np.testing.assert_allclose(loss.class_weight.numpy(),
                                   expected,
                                   rtol=1e-6)
    loss.set_stage(1)
    loss.set_stage_epoch(1)
    assert torch.equal(loss.class_weight, torch.ones(3))
    # not legacy: AA in every stage-2 epoch
    plain = make('ActionAwareLoss', stage=2)
    plain.set_stage_epoch(1)
    np.testing.assert_allclose(plain.class_weight.numpy(), aa, rtol=1e-6)


# ------------------------------------------------------------ baselines
def test_class_balanced_loss_by_hand():
    logits, labels = logits_labels()
    loss = make('ClassBalancedLoss', stage=2)
    w = class_balanced_weight(COUNTS)
    assert loss(logits, labels).item() == pytest.approx(hand_weighted_ce(
        LOGITS, LABELS, w),
                                                        rel=1e-6)
    loss.set_stage(1)
    assert loss(logits, labels).item() == pytest.approx(hand_weighted_ce(
        LOGITS, LABELS, [1, 1, 1]),
                                                        rel=1e-6)


def test_focal_loss_by_hand():
    logits, labels = logits_labels()
    terms = []
    for row, y in zip(LOGITS, LABELS):
        log_p = log_softmax_row(row)[y]
        terms.append((1 - math.exp(log_p))**2 * -log_p)
    loss = make('FocalLoss', stage=2, gamma=2.0)
    assert loss(logits, labels).item() == pytest.approx(sum(terms) / 3,
                                                        rel=1e-6)
    loss.set_stage(1)  # DRW style: cross entropy in stage 1
    assert loss(logits, labels).item() == pytest.approx(F.cross_entropy(
        logits, labels).item(),
                                                        rel=1e-6)


def test_ldam_drw_loss_by_hand():
    logits, labels = logits_labels()
    # margins 0.5 * (n_min / n)^(1/4): [0.5 / 4^.25, 0.5 / 2^.25, 0.5]
    margins = [0.5 / 4**0.25, 0.5 / 2**0.25, 0.5]
    adjusted = []
    for row, y in zip(LOGITS, LABELS):
        row = list(row)
        row[y] -= margins[y]
        adjusted.append([30.0 * v for v in row])
    loss = make('LDAMLoss', stage=1)
    assert loss(logits, labels).item() == pytest.approx(hand_weighted_ce(
        adjusted, LABELS, [1, 1, 1]),
                                                        rel=1e-5)
    loss.set_stage(2)  # deferred re-weighting: CB weights, beta 0.9999
    assert loss(logits, labels).item() == pytest.approx(hand_weighted_ce(
        adjusted, LABELS, class_balanced_weight(COUNTS)),
                                                        rel=1e-5)


@pytest.mark.parametrize('loss_type',
                         ['LogitAdjustedLoss', 'BalancedSoftmaxLoss'])
def test_logit_adjusted_loss_by_hand(loss_type):
    logits, labels = logits_labels()
    log_prior = [math.log(n / 7) for n in COUNTS]
    for tau in (1.0, 0.5):
        adjusted = [[v + tau * lp for v, lp in zip(row, log_prior)]
                    for row in LOGITS]
        loss = make(loss_type, stage=1, tau=tau)  # on in both stages
        assert loss(logits, labels).item() == pytest.approx(hand_weighted_ce(
            adjusted, LABELS, [1, 1, 1]),
                                                            rel=1e-6)
    two_stage = make(loss_type, stage=1, two_stage=True)
    assert two_stage(logits, labels).item() == pytest.approx(F.cross_entropy(
        logits, labels).item(),
                                                             rel=1e-6)


# -------------------------------------------------------- common interface
ALL_LOSSES = [
    dict(type='ActionAwareLoss'),
    dict(type='ActionAwareLoss', legacy=True),
    dict(type='ClassBalancedLoss'),
    dict(type='FocalLoss', gamma=2.0),
    dict(type='FocalLoss', gamma=0.5),
    dict(type='LDAMLoss'),
    dict(type='LogitAdjustedLoss', tau=1.0),
]


@pytest.mark.parametrize('cfg', ALL_LOSSES, ids=lambda c: str(c))
@pytest.mark.parametrize('stage', [1, 2])
def test_one_hot_soft_labels_equal_hard_labels(cfg, stage):
    logits, labels = logits_labels()
    loss = make(stage=stage,
                loss_type=cfg['type'],
                **{
                    k: v
                    for k, v in cfg.items() if k != 'type'
                })
    hard = loss(logits.clone().requires_grad_(), labels)
    one_hot = F.one_hot(labels, 3).float()
    soft = loss(logits.clone().requires_grad_(), one_hot)
    assert soft.item() == pytest.approx(hard.item(), rel=1e-6)


@pytest.mark.parametrize('cfg', ALL_LOSSES, ids=lambda c: str(c))
def test_loss_weight_gradients_and_dtype(cfg):
    logits, labels = logits_labels()
    kwargs = {k: v for k, v in cfg.items() if k != 'type'}
    base = make(cfg['type'], **kwargs)
    scaled = make(cfg['type'], loss_weight=0.5, **kwargs)
    x = logits.clone().requires_grad_()
    value = scaled(x, labels)
    assert value.item() == pytest.approx(0.5 * base(logits, labels).item(),
                                         rel=1e-6)
    value.backward()
    assert torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0
    # confident predictions (p = 1 in float32) keep finite gradients
    sure = torch.tensor([[40.0, -40.0, -40.0]], requires_grad=True)
    base(sure, torch.tensor([0])).backward()
    assert torch.isfinite(sure.grad).all()


@pytest.mark.parametrize('cfg', ALL_LOSSES, ids=lambda c: str(c))
def test_half_precision_inputs_compute_in_float32(cfg):
    logits, labels = logits_labels()
    kwargs = {k: v for k, v in cfg.items() if k != 'type'}
    loss = make(cfg['type'], **kwargs)
    reference = loss(logits, labels)
    for dtype in (torch.float16, torch.bfloat16):
        low = logits.to(dtype)
        value = loss(low, labels)
        assert value.dtype == torch.float32
        assert value.item() == pytest.approx(loss(low.float(), labels).item(),
                                             rel=1e-6)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        value = loss(logits.bfloat16(), F.one_hot(labels, 3).bfloat16())
    assert value.dtype == torch.float32
    assert value.item() == pytest.approx(reference.item(), rel=2e-2)


@pytest.mark.parametrize('cfg', ALL_LOSSES, ids=lambda c: str(c))
def test_forward_reads_no_device_value(cfg, monkeypatch):
    """Forward must not sync device to host: no .item(), .tolist(),
    .cpu(), .numpy() or tensor truth tests."""
    logits, labels = logits_labels()
    kwargs = {k: v for k, v in cfg.items() if k != 'type'}
    loss = make(cfg['type'], **kwargs)

    def forbidden(*args, **kw):
        raise AssertionError('device-to-host sync in forward')

    for name in ('item', 'tolist', 'cpu', 'numpy', '__bool__', '__float__',
                 '__int__'):
        monkeypatch.setattr(torch.Tensor, name, forbidden)
    loss(logits, labels)
    loss(logits, F.one_hot(labels, 3).float())


def test_missing_counts_and_wrong_class_number_are_clear_errors():
    logits, labels = logits_labels()
    with pytest.raises(RuntimeError, match='DetachedScheduleHook'):
        ActionAwareLoss()(logits, labels)
    loss = make('ActionAwareLoss', counts=[5, 4, 3, 2])
    with pytest.raises(ValueError, match='4 classes.*predicts 3'):
        loss(logits, labels)
    with pytest.raises(ValueError, match='neither hard labels'):
        make('ActionAwareLoss')(logits, torch.zeros(3, 5))


def test_class_counts_argument_works_without_the_hook():
    loss = ClassBalancedLoss(two_stage=False, class_counts=np.array(COUNTS))
    np.testing.assert_allclose(loss.class_weight.numpy(),
                               class_balanced_weight(COUNTS),
                               rtol=1e-6)


@pytest.mark.parametrize('stage', [1, 2])
def test_checkpoint_restores_counts_weights_and_stage(stage):
    trained = make('ActionAwareLoss', stage=stage)
    state = trained.state_dict()
    assert set(state) == {'class_counts', 'class_weight', 'stage'}
    assert all(v.dtype == torch.float32 for v in state.values())
    fresh = ActionAwareLoss()  # empty buffers, as built by a test config
    fresh.load_state_dict(state)
    assert fresh.current_stage == stage
    for name in state:
        assert torch.equal(getattr(fresh, name), state[name])
    logits, labels = logits_labels()
    assert fresh(logits, labels).item() == trained(logits, labels).item()


def test_counts_and_weights_follow_the_module_device_and_keep_identity():
    loss = make('ActionAwareLoss', stage=2)
    weight_buffer = loss.class_weight
    loss.set_class_counts([6, 3, 1])
    assert loss.class_weight is weight_buffer  # in place (DDP keeps track)
    np.testing.assert_allclose(loss.class_weight.numpy(),
                               action_aware_class_weight([6, 3, 1]),
                               rtol=1e-6)


def test_registered_in_mmaction_models():
    assert MODELS.get('ActionAwareLoss') is ActionAwareLoss
    assert MODELS.get('ClassBalancedLoss') is ClassBalancedLoss
    assert MODELS.get('FocalLoss') is FocalLoss
    assert MODELS.get('LDAMLoss') is LDAMLoss
    assert MODELS.get('LogitAdjustedLoss') is LogitAdjustedLoss
    assert MODELS.get('BalancedSoftmaxLoss') is LogitAdjustedLoss
    assert all(cls.requires_class_counts for cls in (
        ActionAwareLoss, ClassBalancedLoss, FocalLoss, LDAMLoss,
        LogitAdjustedLoss))


def test_mean_over_ranks_is_the_identity_without_a_process_group():
    from brl_mm.models.losses.functional import mean_over_ranks
    value = torch.tensor(3.5)
    assert mean_over_ranks(value) is value


# ------------------------------------------------------- the one reduction
def labels_one_hot(labels):
    return F.one_hot(labels, 3).float()


def test_per_sample_terms_and_weighted_mean_by_hand():
    from brl_mm.models.losses import (LossTerms, soft_cross_entropy_terms,
                                      weighted_mean)
    logits, labels = logits_labels()
    w = torch.tensor([0.5, 1.0, 2.0])
    terms, weights = soft_cross_entropy_terms(logits, labels_one_hot(labels),
                                              w)
    expected = [-log_softmax_row(row)[y] * w[y].item()
                for row, y in zip(LOGITS, LABELS)]
    np.testing.assert_allclose(terms.numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(weights.numpy(), [0.5, 2.0, 1.0])
    assert weighted_mean(terms, weights).item() == pytest.approx(
        sum(expected) / 3.5, rel=1e-6)
    # (G, B): a sum of separately normalized means
    grouped = LossTerms(torch.tensor([[1.0, 2.0], [3.0, 5.0]]),
                        torch.tensor([[1.0, 1.0], [2.0, 6.0]]))
    assert weighted_mean(*grouped).item() == pytest.approx(3 / 2 + 8 / 8)


def test_effective_number_weight_by_hand():
    from brl_mm.models.losses.class_weights import effective_number_weight
    counts = np.array(COUNTS, dtype=np.float64)
    # beta = 0.5: (1 - b) / (1 - b^n) = [0.5 / 0.9375, 0.5 / 0.75, 1]
    np.testing.assert_allclose(effective_number_weight(counts, 0.5),
                               normalized([0.5 / 0.9375, 0.5 / 0.75, 1.0]),
                               rtol=1e-12)
    per_class = np.array([0.5, 0.0, 0.9])
    np.testing.assert_allclose(effective_number_weight(counts, per_class),
                               normalized([0.5 / 0.9375, 1.0, 1.0]),
                               rtol=1e-12)


class FakeProcessGroup:
    """Two ranks, the other one holding ``other`` as its normalizer."""

    def __init__(self, monkeypatch, other):
        import torch.distributed as dist
        self.calls = 0
        self.other = other
        monkeypatch.setattr(dist, 'is_available', lambda: True)
        monkeypatch.setattr(dist, 'is_initialized', lambda: True)
        monkeypatch.setattr(dist, 'get_world_size', lambda: 2)
        monkeypatch.setattr(dist, 'all_reduce', self.all_reduce)

    def all_reduce(self, tensor):
        self.calls += 1
        tensor.add_(self.other(tensor))


@pytest.mark.parametrize('cfg', ALL_LOSSES, ids=lambda c: str(c))
@pytest.mark.parametrize('stage', [1, 2])
def test_training_forward_syncs_the_normalizer_once(cfg, stage, monkeypatch):
    """One all-reduce per training forward, of the normalizer only: with the
    other rank's normalizer 3x this one's, the loss is this rank's sum over
    the mean normalizer (2x); none in eval or without grad."""
    logits, labels = logits_labels()
    kwargs = {k: v for k, v in cfg.items() if k != 'type'}
    loss = make(cfg['type'], stage=stage, **kwargs)
    local = loss(logits, labels)
    group = FakeProcessGroup(monkeypatch, lambda t: 3 * t)
    synced = loss(logits, labels)
    assert group.calls == 1
    assert synced.item() == pytest.approx(local.item() / 2, rel=1e-6)
    loss.eval()
    assert loss(logits, labels).item() == local.item()
    loss.train()
    with torch.no_grad():
        assert loss(logits, labels).item() == local.item()
    assert group.calls == 1


# ------------------------------------------------------- stage messages
def test_each_loss_says_what_it_computes_in_each_stage():
    from brl_mm.models.losses import (ActionAwareLoss, ClassBalancedLoss,
                                      FocalLoss, LDAMLoss, LogitAdjustedLoss)
    counts = [8, 4, 2, 1]
    aa = ActionAwareLoss(class_counts=counts)
    assert aa.describe_stage(1) == 'plain cross entropy'
    assert aa.describe_stage(2).startswith(
        'action-aware weighted cross entropy, class weights ')
    assert LDAMLoss(class_counts=counts).describe_stage(1) == \
        'LDAM margins, unweighted'
    assert FocalLoss(class_counts=counts).describe_stage(2) == \
        'softmax focal loss'
    assert ClassBalancedLoss(class_counts=counts).describe_stage(
        2).startswith('class-balanced (effective number) weighted')
    # a one-stage loss is balanced from the first epoch, in both stages
    bsm = LogitAdjustedLoss(class_counts=counts)
    for stage in (1, 2):
        assert bsm.describe_stage(stage) == (
            'logit-adjusted cross entropy (balanced softmax at tau=1) (from '
            'the first epoch; the stage changes nothing)')
