"""BRL's per-sample STAE transforms: exact values on small hand-built
inputs."""
import copy

import numpy as np
import pytest
from mmaction.registry import TRANSFORMS

from brl_mm.layouts import LAYOUTS, get_layout
from brl_mm.datasets.transforms import (RandomRot, RandomScale, SpatialFlip,
                                        TemporalReverse)
from brl_mm.datasets.transforms.augment import (rotation_matrix_2d,
                                                rotation_matrix_3d,
                                                temporal_reverse_order)


def _basis_skeleton(dtype=np.float64) -> np.ndarray:
    """(M=1, T=1, V=3, C=3): the joints are the unit vectors e_x, e_y, e_z,
    so a rotated skeleton's joint v is column v of the rotation matrix."""
    return np.eye(3, dtype=dtype)[None, None]


def _zyx_angles(rot: np.ndarray) -> np.ndarray:
    """Angles (ax, ay, az) with rot == rotation_matrix_3d((ax, ay, az))."""
    # rotation_matrix_3d uses the transposed elementary matrices, i.e. the
    # textbook Rz(-az) Ry(-ay) Rx(-ax).
    phi = np.arctan2(rot[2, 1], rot[2, 2])
    theta = -np.arcsin(np.clip(rot[2, 0], -1, 1))
    psi = np.arctan2(rot[1, 0], rot[0, 0])
    return -np.array([phi, theta, psi])


def _random_skeleton(shape=(2, 6, 25, 3), dtype=np.float64, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


# ------------------------------------------------------------ registration
@pytest.mark.parametrize('cfg', [
    dict(type='RandomScale', scale=0.1),
    dict(type='RandomRot', theta=0.3),
    dict(type='SpatialFlip', layout='nturgb+d', p=0.5),
    dict(type='TemporalReverse', p=0.5),
])
def test_transforms_are_registered_and_have_repr(cfg):
    transform = TRANSFORMS.build(cfg)
    text = repr(transform)
    assert text.startswith(cfg['type'] + '(')
    for key, value in cfg.items():
        if key != 'type':
            assert f'{key}={value!r}' in text


# ------------------------------------------------------------------ rotation
def test_rotation_matrix_3d_exact_values():
    # a quarter turn about z maps e_x to -e_y with the original's convention
    rot = rotation_matrix_3d([0., 0., np.pi / 2])
    np.testing.assert_allclose(rot @ [1., 0., 0.], [0., -1., 0.], atol=1e-15)
    np.testing.assert_allclose(rot @ [0., 0., 1.], [0., 0., 1.], atol=1e-15)
    # order: Rz @ Ry @ Rx
    ax, ay, az = 0.1, -0.2, 0.25
    np.testing.assert_allclose(
        rotation_matrix_3d([ax, ay, az]),
        rotation_matrix_3d([0, 0, az]) @ rotation_matrix_3d([0, ay, 0])
        @ rotation_matrix_3d([ax, 0, 0]))
    np.testing.assert_allclose(_zyx_angles(rotation_matrix_3d([ax, ay, az])),
                               [ax, ay, az])


def test_random_rot_3d_is_orthonormal_and_angle_bounded():
    theta = 0.3
    transform = RandomRot(theta=theta)
    for seed in range(50):
        np.random.seed(seed)
        out = transform(dict(keypoint=_basis_skeleton()))['keypoint']
        rot = out[0, 0].T  # column v = R e_v
        np.testing.assert_allclose(rot @ rot.T, np.eye(3), atol=1e-12)
        assert np.linalg.det(rot) == pytest.approx(1.0)
        angles = _zyx_angles(rot)
        assert np.all(np.abs(angles) <= theta + 1e-12)
        # exactly the three draws of np.random.uniform(-theta, theta, 3)
        np.random.seed(seed)
        np.testing.assert_allclose(angles,
                                   np.random.uniform(-theta, theta, size=3),
                                   atol=1e-12)


def test_random_rot_2d_angle_range_is_symmetric():
    """The original drew the 2D angle from U(-theta, 1) (deviation 6)."""
    theta = 0.3
    transform = RandomRot(theta=theta)
    angles = []
    for seed in range(200):
        np.random.seed(seed)
        point = np.array([[[[1.0, 0.0]]]])  # e_x, (M, T, V, C=2)
        x, y = transform(dict(keypoint=point))['keypoint'][0, 0, 0]
        assert x * x + y * y == pytest.approx(1.0)
        angles.append(np.arctan2(y, x))
    angles = np.array(angles)
    assert angles.max() <= theta and angles.min() >= -theta
    assert angles.min() < -0.2 and angles.max() > 0.2  # both signs reached


def test_random_rot_2d_exact_value():
    np.random.seed(3)
    angle = np.random.uniform(-0.3, 0.3)
    np.random.seed(3)
    kp = np.array([[[[2.0, 1.0]]]])
    out = RandomRot(theta=0.3)(dict(keypoint=kp))['keypoint']
    np.testing.assert_allclose(out[0, 0, 0],
                               rotation_matrix_2d(angle) @ [2., 1.])


def test_random_rot_2d_with_score_channel_rotates_only_xy():
    kp = _random_skeleton((1, 4, 17, 3), seed=1)
    kp[..., 2] = np.abs(kp[..., 2])  # scores
    np.random.seed(0)
    out = RandomRot(theta=0.3, coord_dims=2)(dict(keypoint=kp.copy()))
    out = out['keypoint']
    np.testing.assert_array_equal(out[..., 2], kp[..., 2])
    np.testing.assert_allclose(np.linalg.norm(out[..., :2], axis=-1),
                               np.linalg.norm(kp[..., :2], axis=-1))
    assert not np.allclose(out[..., :2], kp[..., :2])


def test_random_rot_2d_keypoint_score_untouched():
    kp = _random_skeleton((1, 4, 17, 2), seed=2)
    score = np.random.default_rng(0).random((1, 4, 17))
    results = RandomRot()(dict(keypoint=kp, keypoint_score=score.copy()))
    np.testing.assert_array_equal(results['keypoint_score'], score)


def test_random_rot_rejects_other_channel_counts():
    with pytest.raises(ValueError, match='coord_dims'):
        RandomRot()(dict(keypoint=np.ones((1, 2, 25, 6))))


# --------------------------------------------------------------------- scale
def test_random_scale_per_axis_exact_values():
    kp = _random_skeleton()
    np.random.seed(7)
    expected = 1 + np.random.uniform(-1, 1, size=3) * np.array([0.1, 0.2, 0.3])
    np.random.seed(7)
    out = RandomScale(scale=(0.1, 0.2, 0.3))(dict(keypoint=kp.copy()))
    np.testing.assert_array_equal(out['keypoint'], kp * expected)


def test_random_scale_range_and_score_channel():
    kp = np.ones((1, 1, 17, 3))
    for seed in range(30):
        np.random.seed(seed)
        out = RandomScale(scale=0.1, coord_dims=2)(dict(keypoint=kp.copy()))
        factors = out['keypoint'][0, 0, 0]
        assert np.all(np.abs(factors[:2] - 1) <= 0.1)
        assert factors[2] == 1.0  # score channel kept
        assert factors[0] != factors[1]  # one draw per axis


def test_random_scale_tuple_must_match_axes():
    with pytest.raises(ValueError, match='coordinate'):
        RandomScale(scale=(0.1, 0.1))(dict(keypoint=np.ones((1, 2, 25, 3))))


# ---------------------------------------------------------------------- flip
def test_spatial_flip_maps_ntu_left_hand_to_right_hand():
    layout = get_layout('nturgb+d')
    names = layout.joint_names
    kp = np.zeros((1, 1, 25, 3))
    kp[0, 0, :, 0] = np.arange(25) + 1.0  # x = joint id + 1
    out = SpatialFlip(layout='nturgb+d', p=1.0)(dict(keypoint=kp))['keypoint']
    right_hand, left_hand = names.index('right_hand'), names.index('left_hand')
    assert out[0, 0, right_hand, 0] == left_hand + 1
    assert out[0, 0, left_hand, 0] == right_hand + 1
    np.testing.assert_array_equal(out[0, 0, :, 0] - 1, [
        0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 16, 17, 18, 19, 12, 13, 14, 15,
        20, 23, 24, 21, 22
    ])


@pytest.mark.parametrize('layout', sorted(LAYOUTS))
def test_spatial_flip_is_an_involution(layout):
    num_joints = get_layout(layout).num_joints
    kp = _random_skeleton((2, 5, num_joints, 3))
    flip = SpatialFlip(layout=layout, p=1.0)
    once = flip(dict(keypoint=kp.copy()))['keypoint']
    assert not np.array_equal(once, kp)
    twice = flip(dict(keypoint=once))['keypoint']
    np.testing.assert_array_equal(twice, kp)


def test_spatial_flip_coco_keeps_keypoint_score_consistent():
    layout = get_layout('coco')
    kp = _random_skeleton((1, 3, 17, 2))
    score = np.random.default_rng(5).random((1, 3, 17))
    out = SpatialFlip(layout='coco', p=1.0)(dict(keypoint=kp.copy(),
                                                 keypoint_score=score.copy()))
    idx = np.asarray(layout.flip_index)
    np.testing.assert_array_equal(out['keypoint'], kp[:, :, idx])
    np.testing.assert_array_equal(out['keypoint_score'], score[:, :, idx])
    # the joint and its score travel together
    left_wrist = layout.joint_names.index('left_wrist')
    right_wrist = layout.joint_names.index('right_wrist')
    assert out['keypoint_score'][0, 0, right_wrist] == score[0, 0, left_wrist]
    np.testing.assert_array_equal(out['keypoint'][0, :, right_wrist],
                                  kp[0, :, left_wrist])


def test_spatial_flip_probability_zero_and_layout_check():
    kp = _random_skeleton()
    out = SpatialFlip(p=0.0)(dict(keypoint=kp))['keypoint']
    assert out is kp
    with pytest.raises(ValueError, match="layout='nw_ucla'"):
        SpatialFlip(layout='nw_ucla', p=1.0)(dict(keypoint=kp))
    with pytest.raises(KeyError, match='unknown skeleton layout'):
        SpatialFlip(layout='kinect_v3')


# ------------------------------------------------------------------- reverse
def test_temporal_reverse_exact_and_twice_is_identity():
    kp = np.arange(1, 1 + 2 * 4 * 3 * 3, dtype=np.float64).reshape(2, 4, 3, 3)
    score = np.arange(2 * 4 * 3, dtype=np.float64).reshape(2, 4, 3) + 1
    reverse = TemporalReverse(p=1.0)
    results = dict(keypoint=kp.copy(),
                   keypoint_score=score.copy(),
                   total_frames=4,
                   label=5)
    once = reverse(results)
    np.testing.assert_array_equal(once['keypoint'], kp[:, ::-1])
    np.testing.assert_array_equal(once['keypoint_score'], score[:, ::-1])
    assert once['label'] == 5 and once['total_frames'] == 4
    twice = reverse(copy.deepcopy(once))
    np.testing.assert_array_equal(twice['keypoint'], kp)
    np.testing.assert_array_equal(twice['keypoint_score'], score)


def test_temporal_reverse_keeps_zero_padding_in_place():
    # frames: [pad, a, b, c, pad, pad] + 2 frames beyond total_frames
    kp = np.zeros((2, 8, 25, 3))
    for t, value in ((1, 1.0), (2, 2.0), (3, 3.0)):
        kp[0, t] = value
    kp[1, 2] = 20.0  # a second person only in frame 2
    kp[0, 7] = 99.0  # beyond total_frames: not part of the sequence
    out = TemporalReverse(p=1.0)(dict(keypoint=kp.copy(), total_frames=6))
    out = out['keypoint']
    assert [out[0, t, 0, 0] for t in range(8)] == [0, 3, 2, 1, 0, 0, 0, 99]
    assert out[1, 2, 0, 0] == 20.0  # middle frame stays the middle frame
    np.testing.assert_array_equal(temporal_reverse_order(kp, 6),
                                  [0, 3, 2, 1, 4, 5, 6, 7])
    twice = TemporalReverse(p=1.0)(dict(keypoint=out, total_frames=6))
    np.testing.assert_array_equal(twice['keypoint'], kp)


def test_temporal_reverse_probability():
    kp = _random_skeleton()
    reverse = TemporalReverse(p=0.5)
    flips = 0
    for seed in range(40):
        np.random.seed(seed)
        out = reverse(dict(keypoint=kp, total_frames=6))['keypoint']
        flips += not np.array_equal(out, kp)
    assert 5 < flips < 35


# ------------------------------------------------------- shared properties
ALL = [
    lambda: RandomScale(0.2),
    lambda: RandomRot(0.3),
    lambda: SpatialFlip('nturgb+d', p=1.0),
    lambda: TemporalReverse(p=1.0),
]


@pytest.mark.parametrize('make', ALL)
def test_all_zero_skeleton_is_untouched(make):
    kp = np.zeros((2, 6, 25, 3))
    state = np.random.get_state()[1].copy()
    results = make()(dict(keypoint=kp, total_frames=6))
    assert results['keypoint'] is kp
    np.testing.assert_array_equal(np.random.get_state()[1], state)


@pytest.mark.parametrize('make', ALL)
@pytest.mark.parametrize('dtype', [np.float32, np.float64, np.float16])
def test_dtype_is_preserved_and_input_not_modified(make, dtype):
    kp = _random_skeleton(dtype=dtype)
    before = kp.copy()
    np.random.seed(0)
    out = make()(dict(keypoint=kp, total_frames=6))['keypoint']
    assert out.dtype == dtype
    assert out.shape == kp.shape
    np.testing.assert_array_equal(kp, before)
    assert not np.array_equal(out, kp)


@pytest.mark.parametrize('make', ALL)
def test_seeded_runs_repeat(make):
    kp = _random_skeleton()
    outs = []
    for _ in range(2):
        np.random.seed(123)
        outs.append(make()(dict(keypoint=kp.copy(), total_frames=6)))
    np.testing.assert_array_equal(outs[0]['keypoint'], outs[1]['keypoint'])


@pytest.mark.parametrize('make', ALL)
def test_integer_keypoints_are_refused(make):
    with pytest.raises(TypeError, match='float'):
        make()(dict(keypoint=np.ones((1, 2, 25, 3), dtype=np.int64)))


def test_pipeline_with_stock_transforms():
    """PreNormalize3D -> STAE -> GenSkeFeat ... yields a float32 GCN input."""
    from mmcv.transforms import Compose
    pipeline = Compose([
        TRANSFORMS.build(cfg) for cfg in [
            dict(type='PreNormalize3D'),
            dict(type='RandomScale', scale=0.1),
            dict(type='RandomRot', theta=0.3),
            dict(type='SpatialFlip', layout='nturgb+d', p=0.5),
            dict(type='TemporalReverse', p=0.5),
            dict(type='GenSkeFeat', dataset='nturgb+d', feats=['j']),
            dict(type='UniformSampleFrames', clip_len=8),
            dict(type='PoseDecode'),
            dict(type='FormatGCNInput', num_person=2),
            dict(type='PackActionInputs'),
        ]
    ])
    kp = _random_skeleton((1, 20, 25, 3), dtype=np.float32)
    np.random.seed(0)
    out = pipeline(
        dict(keypoint=kp,
             total_frames=20,
             label=3,
             start_index=0,
             modality='Pose'))
    assert tuple(out['inputs'].shape) == (1, 2, 8, 25, 3)
    assert out['inputs'].dtype.is_floating_point
