"""Class-aware, power-q and repeat-factor samplers: their target
distributions, exactly per epoch and on average over many epochs."""
import math

import numpy as np
import pytest
from mmengine.dataset import RepeatDataset
from mmengine.registry import DATA_SAMPLERS

from brl_mm.datasets import LongTailPoseDataset
from brl_mm.datasets.samplers import (ClassAwareSampler, ClassPowerSampler,
                                      RepeatFactorSampler, repeat_factors)
from brl_mm.testing import TINY_TRAIN_LABELS

LONG_TAIL = np.array([0] * 50 + [1] * 20 + [2] * 5 + [3])
COUNTS = np.bincount(LONG_TAIL)
EPOCHS = 300


class Labels:

    def __init__(self, labels):
        self.labels = [int(v) for v in labels]

    def __len__(self):
        return len(self.labels)

    def get_cat_ids(self, idx):
        return [self.labels[idx]]


def _epochs(sampler, epochs=EPOCHS):
    """Per-epoch draw counts of every sample, ``(epochs, L)``."""
    counts = []
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        counts.append(np.bincount(list(sampler), minlength=len(LONG_TAIL)))
    return np.stack(counts)


def _check_target(sampler, class_target):
    """The tolerance: an epoch of N draws gives class c floor or ceil of
    N p_c (stratified plan), so every epoch's class count is within 1 of
    N p_c, and the frequency over any number of epochs within 1 / N of
    p_c. Each sample's count in an epoch is floor or ceil of N w_i (std at
    most 1/2), so its mean over E independent epochs is within 5 std,
    2.5 / sqrt(E), of N w_i."""
    draws = _epochs(sampler)
    length = sampler.epoch_length
    per_class = np.stack(
        [draws[:, LONG_TAIL == c].sum(1) for c in range(len(COUNTS))], 1)
    assert (np.abs(per_class - length * class_target) < 1).all()
    np.testing.assert_allclose(per_class.sum(0) / draws.sum(), class_target,
                               atol=1 / length)
    per_sample = length * class_target[LONG_TAIL] / COUNTS[LONG_TAIL]
    np.testing.assert_allclose(draws.mean(0), per_sample,
                               atol=2.5 / math.sqrt(EPOCHS))
    return draws


def test_class_aware_is_uniform_over_classes_then_samples():
    sampler = ClassAwareSampler(Labels(LONG_TAIL), seed=0)
    assert sampler.epoch_length == len(sampler) == 76
    draws = _check_target(sampler, np.full(4, 0.25))
    # every epoch: 19 draws per class; the single tail sample all 19
    assert (draws[:, 75] == 19).all()
    # the 50 head samples share 19 draws: 0 or 1 each, every one seen
    assert set(draws[:, :50].flatten()) == {0, 1}


@pytest.mark.parametrize('q', [0.5, 1.0, 0.25])
def test_power_q_follows_the_counts_to_the_q(q):
    sampler = ClassPowerSampler(Labels(LONG_TAIL), q=q, epoch_length=100,
                                seed=1)
    target = COUNTS**q / (COUNTS**q).sum()
    np.testing.assert_allclose(sampler.class_probs, target)
    _check_target(sampler, target)


def test_q0_is_the_class_aware_plan():
    power = ClassPowerSampler(Labels(LONG_TAIL), q=0, seed=4)
    aware = ClassAwareSampler(Labels(LONG_TAIL), seed=4)
    for epoch in range(3):
        power.set_epoch(epoch)
        aware.set_epoch(epoch)
        assert list(power) == list(aware)


def test_repeat_factors_by_hand():
    # TINY: 8/4/2/1 of 15; t = 1/4 (four classes): f = 8/15, 4/15 >= t keep
    # 1; class 2: sqrt(0.25 / (2/15)) = sqrt(1.875); class 3: sqrt(3.75)
    factors = repeat_factors([[c] for c in TINY_TRAIN_LABELS])
    expected = np.array([1.] * 12 + [math.sqrt(1.875)] * 2 +
                        [math.sqrt(3.75)])
    np.testing.assert_allclose(factors, expected)
    # t = 0.1: only class 3 (f = 1/15) is repeated, sqrt(1.5) times
    np.testing.assert_allclose(
        repeat_factors([[c] for c in TINY_TRAIN_LABELS], t=0.1),
        [1.] * 14 + [math.sqrt(1.5)])
    # a sample takes its rarest class's factor; none: 1
    np.testing.assert_allclose(
        repeat_factors([[0], [0], [0], [0, 1], []], t=0.5),
        [1., 1., 1., math.sqrt(2.5), 1.])


def test_repeat_factor_sampler_epoch_and_distribution():
    sampler = RepeatFactorSampler(Labels(LONG_TAIL), t=0.25, seed=2)
    factors = np.maximum(1, np.sqrt(0.25 / (COUNTS / COUNTS.sum())))
    # LVIS's mean epoch: 50 + 20 + 5 * 1.95 + 4.36 = 84.1 -> 84
    assert sampler.epoch_length == round(float((COUNTS * factors).sum()))
    assert sampler.epoch_length == 84
    target = COUNTS * factors / (COUNTS * factors).sum()
    draws = _check_target(sampler, target)
    # the head samples keep factor 1: at 84 of 84.1 draws, once each per
    # epoch but at most one of them
    assert set(draws[:, :70].flatten()) == {0, 1}
    assert (draws[:, :70].sum(1) >= 69).all()


def test_built_from_a_dataloader_config_over_a_repeat(tiny_pickle):
    dataset = RepeatDataset(
        LongTailPoseDataset(tiny_pickle['path'], pipeline=[],
                            split='xsub_train'), times=4)
    for cfg in (dict(type='ClassAwareSampler'),
                dict(type='ClassPowerSampler', q=0.5, epoch_length=30),
                dict(type='RepeatFactorSampler', t=0.2)):
        # what mmengine's Runner.build_dataloader passes
        sampler = DATA_SAMPLERS.build(cfg,
                                      default_args=dict(dataset=dataset,
                                                        seed=0))
        assert type(sampler).__name__ == cfg['type']
        indices = list(sampler)
        assert 0 <= min(indices) and max(indices) < len(dataset)
    aware = DATA_SAMPLERS.build(dict(type='ClassAwareSampler'),
                                default_args=dict(dataset=dataset, seed=0))
    labels = np.array(TINY_TRAIN_LABELS * 4)
    per_class = np.bincount(labels[list(aware)], minlength=4)
    assert per_class.tolist() == [15] * 4  # 60 draws over 4 classes
    assert 'ClassAwareSampler(q=0.0, epoch_length=60' in repr(aware)


def test_bad_arguments_say_what_is_wrong():
    with pytest.raises(ValueError, match='q must be a finite'):
        ClassPowerSampler(Labels(LONG_TAIL), q=float('nan'), seed=0)
    with pytest.raises(ValueError, match='epoch_length must be a positive'):
        ClassAwareSampler(Labels(LONG_TAIL), epoch_length=0, seed=0)
    with pytest.raises(ValueError, match=r't must be in \(0, 1\]'):
        RepeatFactorSampler(Labels(LONG_TAIL), t=0, seed=0)
    with pytest.raises(ValueError, match='empty'):
        ClassAwareSampler(Labels([]), seed=0)

    class NoClasses(Labels):

        def get_cat_ids(self, idx):
            return []

    with pytest.raises(ValueError, match='no sample of the dataset has a'):
        ClassAwareSampler(NoClasses([0, 1]), seed=0)
    with pytest.raises(ValueError, match='class ids must be >= 0'):
        ClassAwareSampler(Labels([0, -1]), seed=0)
