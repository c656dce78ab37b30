"""RebalancedPartialMix: exact values on small hand-built batches."""
import itertools

import numpy as np
import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

from brl_mm.layouts import LAYOUTS, get_layout
from brl_mm.models.blending import (RebalancedPartialMix, legacy_mixed_mask,
                                    legacy_partial_mix, partial_mix,
                                    rebalanced_alpha, sample_legacy_mix_pairs,
                                    sample_mix_pairs)

NTU = get_layout('nturgb+d')
UPPER = list(NTU.upper_body)
LOWER = list(NTU.lower_body)


def _batch(batch_size=4, num_joints=25, dtype=torch.float32, seed=0):
    """(B, nc=1, M=2, T=3, V, C=3) with every value distinct."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(batch_size, 1, 2, 3, num_joints, 3, generator=gen)
    return x.to(dtype)


def _one_hot(targets, num_classes):
    return torch.nn.functional.one_hot(torch.as_tensor(targets),
                                       num_classes).float()


def _samples(targets):
    return [ActionDataSample().set_gt_label(int(t)) for t in targets]


# ---------------------------------------------------------------- the rule
def test_rebalanced_alpha_three_regimes():
    own = torch.tensor([100., 10., 100., 30., 31.])
    partner = torch.tensor([10., 100., 40., 10., 10.])
    alpha = rebalanced_alpha(own, partner, alpha=0.64, k_im=3)
    # 100 > 3*10 -> 0 ; 100 > 3*10 -> 1 ; neither -> 0.64 ; 30 == 3*10 is not
    # "far more frequent" -> 0.64 ; 31 > 30 -> 0
    assert alpha.tolist() == pytest.approx([0., 1., 0.64, 0.64, 0.])


def test_partial_mix_keeps_upper_body_and_takes_partner_lower_body():
    x = _batch()
    targets = torch.tensor([0, 1, 2, 1])
    counts = torch.tensor([10., 10., 10.])
    out, soft = partial_mix(x,
                            _one_hot(targets, 3),
                            targets,
                            chosen=torch.tensor([1]),
                            partners=torch.tensor([3]),
                            lower_body=LOWER,
                            class_counts=counts,
                            alpha=0.64,
                            k_im=3)
    assert out.shape == x.shape and out.dtype == x.dtype
    # bit exact: own upper body, partner's lower body at the same indices
    assert torch.equal(out[1][..., UPPER, :], x[1][..., UPPER, :])
    assert torch.equal(out[1][..., LOWER, :], x[3][..., LOWER, :])
    for other in (0, 2, 3):
        assert torch.equal(out[other], x[other])
    assert torch.equal(soft, _one_hot(targets, 3))  # same class: one-hot


def test_partial_mix_reads_partners_from_the_original_batch():
    x = _batch()
    targets = torch.tensor([0, 1, 2, 2])
    counts = torch.ones(3)
    # 0 takes from 1 and 1 takes from 0: both see the unmixed partner
    out, _ = partial_mix(x, _one_hot(targets, 3), targets, torch.tensor([0,
                                                                         1]),
                         torch.tensor([1, 0]), LOWER, counts, 0.64, 3)
    assert torch.equal(out[0][..., LOWER, :], x[1][..., LOWER, :])
    assert torch.equal(out[1][..., LOWER, :], x[0][..., LOWER, :])
    assert torch.equal(out[0][..., UPPER, :], x[0][..., UPPER, :])
    assert not x.equal(out)  # the input itself is not modified
    assert torch.equal(x, _batch())


def test_partial_mix_soft_labels_in_the_three_count_regimes():
    x = _batch(batch_size=6)
    # class counts: 0 head (100), 1 tail (10), 2 medium (40)
    counts = torch.tensor([100., 10., 40.])
    targets = torch.tensor([0, 1, 0, 1, 2, 0])
    chosen = torch.tensor([0, 1, 2])
    partners = torch.tensor([1, 5, 4])
    _, soft = partial_mix(x,
                          _one_hot(targets, 3),
                          targets,
                          chosen,
                          partners,
                          LOWER,
                          counts,
                          alpha=NTU.upper_share,
                          k_im=3)
    # 0 (head) mixed with a tail partner: alpha 0, takes the tail label
    assert soft[0].tolist() == [0., 1., 0.]
    # 1 (tail) mixed with a head partner: alpha 1, keeps its own label
    assert soft[1].tolist() == [0., 1., 0.]
    # 2 (100) with 4 (40): alpha = 0.64
    assert soft[2].tolist() == pytest.approx([0.64, 0., 0.36])
    # unchosen samples keep a one-hot label
    for i in (3, 4, 5):
        assert torch.equal(soft[i], _one_hot(targets, 3)[i])
    torch.testing.assert_close(soft.sum(1), torch.ones(6))
    assert soft.dtype == torch.float32


def test_default_alpha_is_the_upper_body_share():
    assert RebalancedPartialMix(60).alpha == pytest.approx(0.64)
    assert RebalancedPartialMix(10,
                                layout='nw_ucla').alpha == pytest.approx(0.55)
    assert RebalancedPartialMix(10, alpha=0.5).alpha == 0.5


# ----------------------------------------------------------- the sampling
def test_sample_mix_pairs_distinct_and_partner_differs():
    torch.manual_seed(0)
    for batch_size, k in [(2, 1), (16, 1), (16, 8), (128, 8), (5, 5)]:
        chosen, partners = sample_mix_pairs(batch_size, k)
        assert chosen.shape == partners.shape == (k, )
        assert len(set(chosen.tolist())) == k
        assert (chosen != partners).all()
        assert ((0 <= partners) & (partners < batch_size)).all()


def _blending(**kwargs):
    cfg = dict(type='RebalancedPartialMix',
               num_classes=4,
               class_counts=[40, 20, 10, 2],
               ratio=0.25)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def test_only_int_ratio_b_samples_change():
    blending = _blending()
    x = _batch(batch_size=16)
    targets = [0, 1, 2, 3] * 4
    for seed in range(5):
        torch.manual_seed(seed)
        samples = _samples(targets)
        out, samples = blending(x.clone(), samples)
        changed = (out != x).flatten(1).any(1)
        assert int(changed.sum()) == int(0.25 * 16)
        # only lower-body joints change
        assert torch.equal(out[..., UPPER, :], x[..., UPPER, :])
        labels = torch.stack([s.gt_label for s in samples])
        assert labels.shape == (16, 4) and labels.dtype == torch.float32
        torch.testing.assert_close(labels.sum(1), torch.ones(16))
        # unchanged samples carry their one-hot label
        one_hot = _one_hot(targets, 4)
        assert torch.equal(labels[~changed], one_hot[~changed])


def test_seeded_runs_repeat():
    blending = _blending(ratio=0.5)
    x = _batch(batch_size=8)
    runs = []
    for _ in range(2):
        torch.manual_seed(42)
        out, samples = blending(x.clone(), _samples([0, 1, 2, 3] * 2))
        runs.append((out, torch.stack([s.gt_label for s in samples])))
    assert torch.equal(runs[0][0], runs[1][0])
    assert torch.equal(runs[0][1], runs[1][1])
    torch.manual_seed(43)
    other, _ = blending(x.clone(), _samples([0, 1, 2, 3] * 2))
    assert not torch.equal(other, runs[0][0])


def test_inplace_and_copy_give_the_same_result():
    x = _batch(batch_size=16)
    targets = [0, 1, 2, 3] * 4
    results = {}
    for inplace in (True, False):
        batch = x.clone()
        torch.manual_seed(7)
        out, samples = _blending(ratio=0.5, inplace=inplace)(batch,
                                                             _samples(targets))
        assert (out is batch) == inplace
        if not inplace:
            assert torch.equal(batch, x)
        results[inplace] = (out, torch.stack([s.gt_label for s in samples]))
    assert torch.equal(results[True][0], results[False][0])
    assert torch.equal(results[True][1], results[False][1])
    # in place, mutual partners still see each other's unmixed lower body
    targets_t = torch.tensor([0, 1, 2, 3])
    batch = _batch()
    out, _ = partial_mix(batch,
                         _one_hot(targets_t, 4),
                         targets_t,
                         torch.tensor([0, 1]),
                         torch.tensor([1, 0]),
                         LOWER,
                         torch.ones(4),
                         0.64,
                         3,
                         inplace=True)
    original = _batch()
    assert out is batch
    assert torch.equal(out[0][..., LOWER, :], original[1][..., LOWER, :])
    assert torch.equal(out[1][..., LOWER, :], original[0][..., LOWER, :])


def test_refuses_to_run_without_class_counts():
    blending = MODELS.build(dict(type='RebalancedPartialMix', num_classes=4))
    assert RebalancedPartialMix.requires_class_counts
    with pytest.raises(RuntimeError) as err:
        blending(_batch(), _samples([0, 1, 2, 3]))
    assert 'class_counts=' in str(err.value)
    assert 'DetachedScheduleHook' in str(err.value)
    blending.set_class_counts(np.array([3, 2, 1, 1]))
    blending(_batch(), _samples([0, 1, 2, 3]))
    with pytest.raises(ValueError, match='3 class counts for 4 classes'):
        blending.set_class_counts([1, 2, 3])


def test_set_class_counts_accepts_tensors_and_moves_lazily():
    blending = _blending(class_counts=None)
    blending.set_class_counts(torch.tensor([4, 3, 2, 1]))
    assert blending.class_counts.dtype == torch.float32
    assert blending.class_counts.tolist() == [4., 3., 2., 1.]


def test_stage2_noop_when_disabled():
    blending = _blending(ratio=1.0, disable_in_stage2=True)
    x = _batch()
    samples = _samples([0, 1, 2, 3])
    blending.set_stage(2)
    out, samples = blending(x, samples)
    assert out is x
    assert [s.gt_label.tolist() for s in samples] == [[0], [1], [2], [3]]
    blending.set_stage(1)
    out, _ = blending(x.clone(), samples)
    assert not torch.equal(out, x)
    # without the flag stage 2 keeps mixing
    plain = _blending(ratio=1.0)
    plain.set_stage(2)
    assert not torch.equal(plain(x.clone(), _samples([0, 1, 2, 3]))[0], x)
    with pytest.raises(ValueError):
        plain.set_stage(3)


def test_ratio_zero_gives_one_hot_soft_labels():
    x = _batch()
    out, samples = _blending(ratio=0.0)(x.clone(), _samples([0, 1, 2, 3]))
    assert torch.equal(out, x)
    assert torch.equal(torch.stack([s.gt_label for s in samples]),
                       torch.eye(4))


@pytest.mark.parametrize('layout', sorted(LAYOUTS))
def test_every_layout_of_the_table(layout):
    spec = get_layout(layout)
    blending = _blending(layout=layout, ratio=1.0)
    x = _batch(num_joints=spec.num_joints)
    torch.manual_seed(0)
    out, _ = blending(x.clone(), _samples([0, 1, 2, 3]))
    upper, lower = list(spec.upper_body), list(spec.lower_body)
    assert torch.equal(out[..., upper, :], x[..., upper, :])
    assert not torch.equal(out[..., lower, :], x[..., lower, :])
    with pytest.raises(ValueError, match='joints'):
        _blending(layout=layout)(_batch(num_joints=spec.num_joints + 1),
                                 _samples([0, 1, 2, 3]))


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
def test_low_precision_inputs(dtype):
    x = _batch(batch_size=8, dtype=dtype)
    torch.manual_seed(0)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out, samples = _blending(ratio=0.5)(x.clone(),
                                            _samples([0, 1, 2, 3] * 2))
    assert out.dtype == dtype
    assert torch.equal(out[..., UPPER, :], x[..., UPPER, :])
    changed = (out != x).flatten(1).any(1)
    assert int(changed.sum()) == 4
    for i in torch.nonzero(changed).flatten().tolist():
        # lower body bit-exact from some other sample of the batch
        assert any(
            torch.equal(out[i][..., LOWER, :], x[j][..., LOWER, :])
            for j in range(8) if j != i)
    assert samples[0].gt_label.dtype == torch.float32


def test_through_action_data_preprocessor():
    preprocessor = MODELS.build(
        dict(type='ActionDataPreprocessor',
             blending=dict(type='RebalancedPartialMix',
                           num_classes=4,
                           class_counts=[40, 20, 10, 2],
                           ratio=0.5)))
    inputs = list(_batch(batch_size=4))
    data = dict(inputs=inputs, data_samples=_samples([0, 1, 2, 3]))
    out = preprocessor(data, training=False)
    assert out['data_samples'][0].gt_label.tolist() == [0]
    data = dict(inputs=inputs, data_samples=_samples([0, 1, 2, 3]))
    out = preprocessor(data, training=True)
    assert out['inputs'].shape == (4, 1, 2, 3, 25, 3)
    assert all(s.gt_label.shape == (4, ) for s in out['data_samples'])


def test_soft_input_labels_are_accepted():
    blending = _blending(ratio=0.5)
    samples = [ActionDataSample().set_gt_label(row) for row in torch.eye(4)]
    torch.manual_seed(0)
    _, samples = blending(_batch(), samples)
    labels = torch.stack([s.gt_label for s in samples])
    torch.testing.assert_close(labels.sum(1), torch.ones(4))


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_cuda_without_host_sync():
    blending = _blending(ratio=0.5)
    x = _batch(batch_size=16).cuda()
    samples = [s.to('cuda') for s in _samples([0, 1, 2, 3] * 4)]
    blending(x, samples)  # first call moves the counts to the device
    samples = [s.to('cuda') for s in _samples([0, 1, 2, 3] * 4)]
    torch.cuda.set_sync_debug_mode('error')
    try:
        out, samples = blending(x, samples)
        legacy = _blending(ratio=0.5, legacy=True)
        legacy.class_counts = blending.class_counts
        legacy(x, samples)
    finally:
        torch.cuda.set_sync_debug_mode(0)
    assert out.device.type == 'cuda'


# -------------------------------------------------------------- legacy mode
def _original_loop_mixed(batch_size, chosen):
    """The original's aliasing loop (brl mixup_recognizergcn), without the
    tensors: which indices it mixes and the pool each partner is drawn
    from."""
    data_list = list(range(batch_size))
    result = []
    for idx in data_list:
        if idx in chosen:
            new_list = data_list
            while idx in new_list:
                new_list.remove(idx)
            result.append((idx, list(new_list)))
    return result


def test_legacy_mixed_mask_matches_the_original_loop():
    batch_size = 7
    for k in range(batch_size + 1):
        for chosen in itertools.combinations(range(batch_size), k):
            mask = torch.zeros(batch_size, dtype=torch.bool)
            mask[list(chosen)] = True
            expected = [
                i for i, _ in _original_loop_mixed(batch_size, set(chosen))
            ]
            assert torch.nonzero(
                legacy_mixed_mask(mask)).flatten().tolist() == expected


def test_legacy_partners_come_from_the_original_pool():
    torch.manual_seed(0)
    for _ in range(50):
        mixed, partners = sample_legacy_mix_pairs(16, 8)
        mixed_idx = torch.nonzero(mixed).flatten().tolist()
        assert len(mixed_idx) <= 8  # fewer than int(ratio * B) in general
        for i in mixed_idx:
            removed = {m for m in mixed_idx if m <= i}
            assert partners[i].item() not in removed
        assert torch.equal(partners[~mixed], torch.nonzero(~mixed).flatten())


def test_legacy_mixes_fewer_samples_on_average():
    torch.manual_seed(0)
    counts = [int(sample_legacy_mix_pairs(16, 8)[0].sum()) for _ in range(200)]
    assert max(counts) <= 8 and np.mean(counts) < 7


def test_legacy_reorders_joints_and_uses_one_alpha_per_batch():
    x = _batch()
    counts = torch.tensor([100., 10., 40.])
    targets = torch.tensor([0, 1, 0, 2])
    mixed = torch.tensor([True, False, True, False])
    partners = torch.tensor([1, 1, 3, 3])
    out, soft = legacy_partial_mix(x, _one_hot(targets, 3), targets, mixed,
                                   partners, UPPER, LOWER, counts, 0.64, 3)
    # deviation 1: cat([own upper, partner lower]) written to joints 0..V-1
    expected0 = torch.cat([x[0][..., UPPER, :], x[1][..., LOWER, :]], dim=-2)
    assert torch.equal(out[0], expected0)
    assert not torch.equal(out[0][..., UPPER, :], x[0][..., UPPER, :])
    assert torch.equal(out[1], x[1]) and torch.equal(out[3], x[3])
    # deviation 2: pair (0, 1) alone would give alpha 0 (take label 1), but
    # the last pair (2, 3): 100 vs 40 -> 0.64 applies to every mixed sample
    assert soft[0].tolist() == pytest.approx([0.64, 0.36, 0.])
    assert soft[2].tolist() == pytest.approx([0.64, 0., 0.36])
    assert soft[1].tolist() == [0., 1., 0.]
    _, default_soft = partial_mix(x, _one_hot(targets, 3), targets,
                                  torch.tensor([0, 2]), torch.tensor([1, 3]),
                                  LOWER, counts, 0.64, 3)
    assert default_soft[0].tolist() == [0., 1., 0.]


def test_legacy_flag_through_the_class():
    x = _batch(batch_size=16)
    targets = [0, 1, 2, 3] * 4
    torch.manual_seed(0)
    out, samples = _blending(ratio=0.5, legacy=True)(x.clone(),
                                                     _samples(targets))
    changed = (out != x).flatten(1).any(1)
    assert 1 <= int(changed.sum()) <= 8
    # mixed samples have their joints reordered (upper body moved)
    assert not torch.equal(out[changed][..., UPPER, :], x[changed][...,
                                                                   UPPER, :])
    labels = torch.stack([s.gt_label for s in samples])
    torch.testing.assert_close(labels.sum(1), torch.ones(16))
    mixed_alphas = {
        round(float(labels[i, t]), 4)
        for i, t in enumerate(targets) if changed[i] and labels[i].max() < 1
    }
    assert len(mixed_alphas) <= 1  # one alpha per batch


def test_counts_through_the_one_validator_and_the_stage_description():
    mix = RebalancedPartialMix(num_classes=3)
    with pytest.raises(ValueError, match='2 class counts for 3 classes'):
        mix.set_class_counts([1, 2])
    with pytest.raises(ValueError, match='non-negative integers'):
        mix.set_class_counts([1, -2, 3])
    mix.set_class_counts([5, 0, 1])  # a class without samples is allowed
    assert mix.class_counts.tolist() == [5.0, 0.0, 1.0]
    assert mix.describe_stage(1).startswith('rebalanced partial mixup of '
                                            'joint-space lower bodies')
    off = RebalancedPartialMix(num_classes=3, disable_in_stage2=True)
    assert off.describe_stage(2) == 'off (disable_in_stage2)'
