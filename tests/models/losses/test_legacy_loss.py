"""ActionAwareLoss(legacy=True): the original code's stage-2 loss
``alpha * CE_w(y_a) + (1 - alpha) * CE_w(y_b)`` (issue 15 item 5), checked
against a line-by-line copy of the original formula on batches mixed by
brl_mm's legacy mixup."""
import pytest
import torch
import torch.nn.functional as F

import brl_mm  # noqa: F401  (compat shims + registration)
from brl_mm.models.blending import legacy_partial_mix
from brl_mm.models.losses import (ActionAwareLoss, action_aware_class_weight,
                                  legacy_flipped_class_weight,
                                  legacy_mixed_cross_entropy,
                                  legacy_pair_labels)

COUNTS = [40, 12, 10, 4, 3]
K_IM = 3.0
LABELS = [0, 1, 2, 3, 4, 0, 2, 1, 3, 2]
# row -> partner of the mixed rows; the last mixed row decides the alpha
MIXED_ROWS = {1: 2, 3: 0, 6: 1, 8: 4}


# ---------------------------------------------- the original, line by line
def original_mix_labels(label, mixed, partners, num_per_cls, alpha, im_k):
    """The label part of the original ``rebalance_mix_up`` for given mixed
    rows and partners (the loop body, without its random draws)."""
    data_list = list(range(label.shape[0]))
    label_a = label
    label_b = label.clone()
    mix_alpha = 0
    for idx in data_list:
        if mixed[idx]:
            choose_idx = partners[idx]
            label_b[idx] = label[choose_idx]
            num_x = num_per_cls[label[idx]]
            num_y = num_per_cls[label[choose_idx]]
            if num_x > im_k * num_y:
                mix_alpha = 0
            elif num_y > im_k * num_x:
                mix_alpha = 1
            else:
                mix_alpha = alpha
    return label_a, label_b, mix_alpha


def original_head_loss(cls_score, label_a, label_b, mix_alpha, weight):
    """The original ``MixBaseHead.loss`` with ``TwostageAALoss`` as
    ``loss_cls`` (its forward is ``F.cross_entropy(input, target,
    weight=self.weight)``)."""
    loss_cls1 = F.cross_entropy(cls_score, label_a, weight=weight)
    loss_cls2 = F.cross_entropy(cls_score, label_b, weight=weight)
    loss_cls = mix_alpha * loss_cls1 + (1 - mix_alpha) * loss_cls2
    return loss_cls


# ------------------------------------------------------------------ helpers
def mixed_batch(mixed_rows, alpha):
    """Soft labels of brl_mm's legacy mixup and the original's pair labels
    for the same mixed rows and partners."""
    labels = torch.tensor(LABELS)
    num = labels.numel()
    mixed = torch.zeros(num, dtype=torch.bool)
    partners = torch.arange(num)
    for row, partner in mixed_rows.items():
        mixed[row] = True
        partners[row] = partner
    inputs = torch.randn(num, 1, 1, 2, 3, 3)  # (B, nc, M, T, V=3, C)
    one_hot = F.one_hot(labels, len(COUNTS)).float()
    _, soft = legacy_partial_mix(inputs, one_hot, labels, mixed, partners,
                                 [0, 1], [2], torch.tensor(COUNTS).float(),
                                 alpha, K_IM)
    original = original_mix_labels(labels, mixed.tolist(), partners.tolist(),
                                   COUNTS, alpha, K_IM)
    return soft, original


def legacy_loss(epoch_in_stage=0, stage=2):
    loss = ActionAwareLoss(legacy=True, class_counts=COUNTS)
    loss.set_stage(stage)
    loss.set_stage_epoch(epoch_in_stage)
    return loss


def logits():
    generator = torch.Generator().manual_seed(0)
    return torch.randn(len(LABELS), len(COUNTS), generator=generator)


# -------------------------------------------------------------------- tests
@pytest.mark.parametrize('last_partner, expected_alpha', [
    (2, 0.64),  # class 3 (n=4) with class 2 (n=10): neither dominates
    (0, 1.0),  # class 3 with class 0 (n=40 > 3 * 4): keep the rare label
    (7, 0.64),  # class 3 with class 1 (n=12 = 3 * 4): not "far more"
])
@pytest.mark.parametrize('epoch_in_stage', [0, 1])
def test_stage2_reproduces_the_original_formula(last_partner, expected_alpha,
                                                epoch_in_stage):
    rows = dict(MIXED_ROWS)
    rows[8] = last_partner
    soft, (label_a, label_b, mix_alpha) = mixed_batch(rows, 0.64)
    assert mix_alpha == expected_alpha
    # the batch really has mixed rows with two classes
    assert int((label_a != label_b).sum()) == 4
    assert int(((soft > 0).sum(1) == 2).sum()) == (4 if mix_alpha < 1 else 0)
    loss = legacy_loss(epoch_in_stage)
    expected_weight = (legacy_flipped_class_weight(COUNTS) if epoch_in_stage
                       else action_aware_class_weight(COUNTS))
    torch.testing.assert_close(loss.class_weight,
                               torch.tensor(expected_weight).float())

    ours_logits = logits().requires_grad_()
    ours = loss(ours_logits, soft)
    ours.backward()
    original_logits = logits().requires_grad_()
    original = original_head_loss(original_logits, label_a, label_b,
                                  mix_alpha, loss.class_weight)
    original.backward()
    torch.testing.assert_close(ours, original, rtol=1e-6, atol=1e-7)
    torch.testing.assert_close(ours_logits.grad,
                               original_logits.grad,
                               rtol=1e-5,
                               atol=1e-7)


def test_rebalanced_alpha_zero_and_alpha_below_one_half():
    # last mixed pair: class 0 (n=40) with class 1 (n=12): alpha = 0, the
    # row takes the partner's label
    rows = {1: 2, 3: 2, 5: 7}
    soft, (label_a, label_b, mix_alpha) = mixed_batch(rows, 0.64)
    assert mix_alpha == 0
    loss = legacy_loss()
    torch.testing.assert_close(
        loss(logits(), soft),
        original_head_loss(logits(), label_a, label_b, mix_alpha,
                           loss.class_weight))
    # alpha < 1/2: the soft rows' larger entry is the partner's class
    soft, (label_a, label_b, mix_alpha) = mixed_batch(MIXED_ROWS, 0.3)
    assert mix_alpha == 0.3
    torch.testing.assert_close(
        loss(logits(), soft),
        original_head_loss(logits(), label_a, label_b, mix_alpha,
                           loss.class_weight))


def test_differs_from_one_weighted_mean_of_the_soft_labels():
    """The non-legacy loss (spec section 2) normalizes once: on a mixed
    stage-2 batch it is not the original's value; in stage 1 (uniform
    weights) the two agree."""
    soft, original_labels = mixed_batch(MIXED_ROWS, 0.64)
    stage2_legacy = legacy_loss()(logits(), soft)
    plain = ActionAwareLoss(class_counts=COUNTS)
    plain.set_stage(2)
    gap = (plain(logits(), soft) - stage2_legacy).abs()
    assert gap > 1e-3 * stage2_legacy
    plain.set_stage(1)
    torch.testing.assert_close(legacy_loss(stage=1)(logits(), soft),
                               plain(logits(), soft))
    torch.testing.assert_close(
        legacy_loss(stage=1)(logits(), soft),
        original_head_loss(logits(), *original_labels, None))


def test_unmixed_batch_is_the_weighted_cross_entropy():
    labels = torch.tensor(LABELS)
    loss = legacy_loss()
    expected = F.cross_entropy(logits(), labels, weight=loss.class_weight)
    torch.testing.assert_close(loss(logits(), labels), expected)
    torch.testing.assert_close(loss(logits(), F.one_hot(labels, 5).float()),
                               expected)


def test_pair_labels_by_hand():
    soft = torch.tensor([[0.64, 0.36, 0.0], [0.0, 0.0, 1.0],
                         [0.0, 0.64, 0.36], [1.0, 0.0, 0.0]])
    label_a, label_b, alpha = legacy_pair_labels(soft)
    assert label_a.tolist() == [0, 2, 1, 0]
    assert label_b.tolist() == [1, 2, 2, 0]
    assert float(alpha) == pytest.approx(0.64)
    # swapped reading of alpha < 1/2 rows, and hard labels only
    label_a, label_b, alpha = legacy_pair_labels(
        torch.tensor([[0.3, 0.7], [1.0, 0.0]]))
    assert (label_a.tolist(), label_b.tolist()) == ([1, 0], [0, 0])
    assert float(alpha) == pytest.approx(0.7)
    label_a, label_b, alpha = legacy_pair_labels(torch.eye(3))
    assert label_a.tolist() == label_b.tolist() == [0, 1, 2]
    assert float(alpha) == 1.0
    label_a, label_b, alpha = legacy_pair_labels(torch.ones(2, 1))
    assert label_a.tolist() == label_b.tolist() == [0, 0]


def test_functional_form_without_class_weights_is_the_soft_mean():
    soft, _ = mixed_batch(MIXED_ROWS, 0.64)
    expected = -(soft * F.log_softmax(logits(), 1)).sum(1).mean()
    torch.testing.assert_close(legacy_mixed_cross_entropy(logits(), soft),
                               expected)


def test_legacy_mixup_and_loss_train_end_to_end(tiny_pickle, tmp_path):
    """3 epochs on tiny data, stage 2 from epoch 1, legacy mixup and loss:
    the loss sees batches with mixed rows of one alpha, computes the
    original mixed loss with the AA weights, then the flipped ones."""
    from mmengine.runner import Runner

    from brl_mm.testing import TINY_TRAIN_COUNTS, tiny_train_config
    cfg = tiny_train_config(tiny_pickle['path'],
                            str(tmp_path / 'work'),
                            loss_cls=dict(type='ActionAwareLoss', legacy=True))
    cfg.model.data_preprocessor.blending.update(legacy=True, ratio=0.5)
    runner = Runner.from_cfg(cfg)
    calls = []

    def record(module, inputs, output):
        calls.append((inputs[0].detach().float(), inputs[1].detach(),
                      output.detach(), module.class_weight.clone(),
                      module.current_stage))

    runner.model.cls_head.loss_cls.register_forward_hook(record)
    runner.train()

    assert [call[4] for call in calls] == [1, 2, 2]
    expected_weights = [[1.0] * 4,
                        action_aware_class_weight(TINY_TRAIN_COUNTS),
                        legacy_flipped_class_weight(TINY_TRAIN_COUNTS)]
    for (scores, soft, value, weight, _), expected in zip(calls,
                                                          expected_weights):
        assert torch.isfinite(value)
        torch.testing.assert_close(weight,
                                   torch.tensor(expected).float())
        assert soft.shape == scores.shape  # soft labels from the mixup
        two_classes = (soft > 0).sum(1) == 2
        if two_classes.any():  # one alpha on every mixed row
            shares = soft[two_classes].max(1).values
            torch.testing.assert_close(shares, shares[:1].expand_as(shares))
        torch.testing.assert_close(
            value,
            original_head_loss(scores, *legacy_pair_labels(soft), weight))
    assert any(((soft > 0).sum(1) == 2).any() for _, soft, *_ in calls)
