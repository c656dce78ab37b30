"""Skip-modal features (spec section 3): JointToSkip and GenSkeFeatK.

The skip pairs are written out here from the spec, independently of the
layout table, so these tests pin the table too.
"""
import copy

import numpy as np
import pytest
from mmaction.datasets.transforms import GenSkeFeat
from mmaction.registry import TRANSFORMS

from brl_mm.datasets.transforms import GenSkeFeatK, JointToSkip

SPEC_PAIRS = {
    'nturgb+d': dict([(0, 20), (1, 1), (2, 2), (3, 20), (4, 4), (5, 20),
                      (6, 4), (7, 5), (8, 8), (9, 20), (10, 8), (11, 9),
                      (12, 1), (13, 0), (14, 12), (15, 13), (16, 1), (17, 0),
                      (18, 16), (19, 17), (20, 20), (21, 7), (22, 6),
                      (23, 11), (24, 10)]),
    'nw_ucla': dict([(0, 2), (1, 1), (2, 2), (3, 3), (4, 4), (5, 2), (6, 4),
                     (7, 5), (8, 8), (9, 2), (10, 8), (11, 9), (12, 1),
                     (13, 0), (14, 12), (15, 13), (16, 1), (17, 0), (18, 16),
                     (19, 17)]),
    'coco': dict(enumerate([0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 6, 0, 0, 0, 0, 11,
                            12])),
    'openpose': dict(enumerate([0, 0, 0, 1, 2, 0, 1, 5, 1, 2, 8, 1, 5, 11, 0,
                                0, 0, 0])),
}
NUM_JOINTS = {'nturgb+d': 25, 'nw_ucla': 20, 'coco': 17, 'openpose': 18}
M, T = 2, 4


def hand_skeleton(layout: str, channels: int) -> np.ndarray:
    """x[m, t, v, c] = (m + 1) * (t + 1) ** 2 * (c + 1) * (v + 1): every
    difference is an integer known in closed form."""
    m, t, v, c = np.meshgrid(
        np.arange(M), np.arange(T), np.arange(NUM_JOINTS[layout]),
        np.arange(channels), indexing='ij')
    return ((m + 1) * (t + 1)**2 * (c + 1) * (v + 1)).astype(np.float64)


def hand_scores(layout: str) -> np.ndarray:
    m, t, v = np.meshgrid(np.arange(M), np.arange(T),
                          np.arange(NUM_JOINTS[layout]), indexing='ij')
    return (0.01 * (v + 1) + 0.1 * t + 0.001 * m).astype(np.float32)


def expected_skip(layout: str, channels: int) -> np.ndarray:
    """k[m, t, v, c] = (m + 1) (t + 1)^2 (c + 1) (v - pair(v))."""
    pair = np.array([SPEC_PAIRS[layout][v]
                     for v in range(NUM_JOINTS[layout])])
    m = np.arange(M)[:, None, None, None] + 1
    t = np.arange(T)[None, :, None, None] + 1
    c = np.arange(channels)[None, None, None, :] + 1
    diff = (np.arange(len(pair)) - pair)[None, None, :, None]
    return (m * t**2 * c * diff).astype(np.float64)


@pytest.mark.parametrize('layout', sorted(SPEC_PAIRS))
def test_skip_bones_on_a_hand_built_skeleton(layout):
    keypoint = hand_skeleton(layout, 3)
    out = JointToSkip(dataset=layout)(dict(keypoint=keypoint))['keypoint']
    assert out.dtype == np.float32 and out.shape == keypoint.shape
    want = expected_skip(layout, 3)
    if layout in ('coco', 'openpose'):  # 3 channels = (x, y, score)
        pair = [SPEC_PAIRS[layout][v] for v in range(NUM_JOINTS[layout])]
        want[..., 2] = (keypoint[..., 2] + keypoint[..., pair, 2]) / 2
    np.testing.assert_array_equal(out, want)
    # pairs (v, v) are zero, and spot values straight from the spec
    self_paired = [v for v, p in SPEC_PAIRS[layout].items() if v == p]
    assert not out[..., self_paired, :2].any()
    v, p = next((v, p) for v, p in SPEC_PAIRS[layout].items() if v != p)
    np.testing.assert_array_equal(out[1, 2, v, :2],
                                  keypoint[1, 2, v, :2] - keypoint[1, 2, p, :2])


@pytest.mark.parametrize('layout', sorted(SPEC_PAIRS))
def test_k_and_km_through_the_feature_transform(layout):
    keypoint = hand_skeleton(layout, 3 if layout in ('nturgb+d', 'nw_ucla')
                             else 2)
    results = dict(keypoint=keypoint.copy(), frame_dir='x')
    score = None
    if layout in ('coco', 'openpose'):
        score = hand_scores(layout)
        results['keypoint_score'] = score.copy()
    out = GenSkeFeatK(dataset=layout, feats=['k', 'km'])(results)
    feat = out['keypoint']
    assert feat.shape == (M, T, NUM_JOINTS[layout], 6)
    assert 'keypoint_score' not in out and out['frame_dir'] == 'x'
    k, km = feat[..., :3], feat[..., 3:]
    want_k = expected_skip(layout, 3)
    if score is not None:
        pair = [SPEC_PAIRS[layout][v] for v in range(NUM_JOINTS[layout])]
        want_k[..., 2] = (score + score[..., pair]) / 2
    np.testing.assert_allclose(k, want_k, rtol=1e-6)
    # km: temporal difference of k, last frame 0
    want_km = np.zeros_like(want_k)
    want_km[:, :-1] = np.diff(want_k, axis=1)
    if score is not None:  # scores: the mean of the two frames (ToMotion)
        want_km[:, :-1, :, 2] = (want_k[:, :-1, :, 2] +
                                 want_k[:, 1:, :, 2]) / 2
    np.testing.assert_allclose(km, want_km, rtol=1e-6)
    assert not km[:, -1].any()
    # the closed form of the coordinate motion:
    # (m + 1) (c + 1) (2t + 3) (v - pair(v)) for t < T - 1
    pair = np.array([SPEC_PAIRS[layout][v]
                     for v in range(NUM_JOINTS[layout])])
    np.testing.assert_array_equal(km[0, 1, :, 0], 5 * (np.arange(len(pair)) -
                                                       pair))


MMACTION_CASES = [('nturgb+d', 3, False), ('coco', 2, True),
                  ('openpose', 2, True), ('coco', 2, False)]
FEATS = [['j'], ['b'], ['jm'], ['bm'], ['j', 'b'], ['bm', 'j', 'jm'],
         ['j', 'b', 'jm', 'bm']]


@pytest.mark.parametrize('layout, channels, with_score', MMACTION_CASES)
def test_j_b_jm_bm_equal_mmaction_gen_ske_feat(layout, channels, with_score):
    rng = np.random.default_rng(0)
    results = dict(
        keypoint=rng.standard_normal((M, 6, NUM_JOINTS[layout], channels)),
        total_frames=6)
    if with_score:
        results['keypoint_score'] = rng.random(
            (M, 6, NUM_JOINTS[layout])).astype(np.float32)
    for feats in FEATS:
        ours = GenSkeFeatK(dataset=layout,
                           feats=feats)(copy.deepcopy(results))
        stock = GenSkeFeat(dataset=layout, feats=feats)(copy.deepcopy(results))
        assert ours.keys() == stock.keys(), feats
        for key in stock:
            if isinstance(stock[key], np.ndarray):
                assert ours[key].dtype == stock[key].dtype, (feats, key)
                np.testing.assert_array_equal(ours[key], stock[key])


def test_feature_order_and_mixing_with_k():
    keypoint = hand_skeleton('nturgb+d', 3)
    feats = GenSkeFeatK(feats=['k', 'j', 'b'])(dict(
        keypoint=keypoint.copy()))['keypoint']
    k = JointToSkip()(dict(keypoint=keypoint.copy()))['keypoint']
    b = GenSkeFeat(feats=['b'])(dict(keypoint=keypoint.copy()))['keypoint']
    np.testing.assert_array_equal(feats[..., :3], k)
    np.testing.assert_array_equal(feats[..., 3:6], keypoint)
    np.testing.assert_array_equal(feats[..., 6:], b)
    # registered in mmaction's TRANSFORMS, ready for configs
    built = TRANSFORMS.build(dict(type='GenSkeFeatK', feats=['j', 'k']))
    assert isinstance(built, GenSkeFeatK)
    assert built(dict(keypoint=keypoint))['keypoint'].shape[-1] == 6


def test_nw_ucla_bones_follow_the_layout_parents():
    from brl_mm.datasets import get_layout
    keypoint = hand_skeleton('nw_ucla', 3)
    parents = get_layout('nw_ucla').parents
    assert parents[:4] == (1, 2, 2, 2)  # 0->1->2 (spine_mid, neck)
    out = GenSkeFeatK(dataset='nw_ucla', feats=['b', 'bm'])(dict(
        keypoint=keypoint.copy()))['keypoint']
    b = keypoint - keypoint[..., parents, :]
    np.testing.assert_array_equal(out[..., :3], b)
    np.testing.assert_array_equal(out[:, :-1, :, 3:], np.diff(b, axis=1))


def test_clear_errors():
    with pytest.raises(ValueError, match='unknown feats'):
        GenSkeFeatK(feats=['j', 'skip'])
    with pytest.raises(TypeError, match="list such as \\['k'\\]"):
        GenSkeFeatK(feats='k')
    with pytest.raises(KeyError, match='unknown skeleton layout'):
        GenSkeFeatK(dataset='kinect', feats=['k'])
    with pytest.raises(ValueError, match='expects 25 joints'):
        JointToSkip()(dict(keypoint=np.zeros((1, 2, 17, 3))))
    with pytest.raises(ValueError, match='only the 2D layouts'):
        GenSkeFeatK(feats=['k'])(dict(keypoint=np.zeros((1, 2, 25, 2)),
                                      keypoint_score=np.zeros((1, 2, 25))))


def test_layout_and_its_mmaction_alias_dataset():
    assert GenSkeFeatK(layout='coco').layout == 'coco'
    assert GenSkeFeatK(dataset='coco').layout == 'coco'  # mmaction's name
    assert JointToSkip('nw_ucla').layout == 'nw_ucla'
    with pytest.raises(ValueError, match='give only one of them'):
        GenSkeFeatK(layout='coco', dataset='nturgb+d')
