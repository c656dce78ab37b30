"""RebalancedPartialMix(space='bone'): the kinematically consistent mixup."""
import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

from brl_mm.layouts import LAYOUTS, get_layout
from brl_mm.models.blending import RebalancedPartialMix, partial_mix
from brl_mm.models.blending.bone_space import bone_partial_mix, bone_tree

NTU = get_layout('nturgb+d')
COCO = get_layout('coco')
COUNTS = torch.tensor([40., 20., 10., 2.])
NTU_LEG = [12, 13, 14, 15]  # left hip, knee, ankle, foot below the pelvis


def _batch(batch_size=4, layout=NTU, channels=3, persons=2, frames=3,
           seed=0):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(batch_size, 1, persons, frames, layout.num_joints,
                       channels, generator=gen)


def _one_hot(targets):
    return torch.nn.functional.one_hot(torch.as_tensor(targets), 4).float()


def _samples(targets):
    return [ActionDataSample().set_gt_label(int(t)) for t in targets]


def _mix(x, chosen, partners, layout=NTU, coord_dims=3, targets=(0, 1, 2,
                                                                 3)):
    tree = bone_tree(layout.parents, layout.lower_body)
    targets = torch.tensor(targets)
    return bone_partial_mix(x, _one_hot(targets), targets,
                            torch.tensor(chosen), torch.tensor(partners),
                            tree, coord_dims, COUNTS, 0.64, 3.0)


def _bones(x, layout):
    return x - x[..., list(layout.parents), :]


def _lower_bones(layout):
    lower = set(layout.lower_body)
    return [v for v, p in enumerate(layout.parents)
            if v != p and v in lower and p in lower]


# ------------------------------------------------------------- the tree
def _path_joints(tree, a):
    """The joints whose bones lie on rebuilt joint ``a``'s path."""
    steps = tree.paths[:, a][tree.on_path[:, a]]
    return tree.joints[steps].tolist()


def test_bone_tree_of_ntu_and_coco():
    ntu = bone_tree(NTU.parents, NTU.lower_body)
    # pelvis-hip, hip-knee, knee-ankle, ankle-foot of both legs; not the
    # spine_base-spine_mid bone: the pelvis (0) is the anchor
    assert ntu.joints.tolist() == list(range(12, 20))
    assert ntu.parents.tolist() == [0, 12, 13, 14, 0, 16, 17, 18]
    assert ntu.transplanted.all()
    assert ntu.anchors.tolist() == [0] * 8
    # the foot (15) is rebuilt from the pelvis along 15, 14, 13, 12
    assert _path_joints(ntu, 3) == [15, 14, 13, 12]
    assert _path_joints(ntu, 4) == [16]
    assert ntu.paths.shape == (4, 8)
    coco = bone_tree(COCO.parents, COCO.lower_body)
    # COCO's hips hang from the shoulders: the hips are the anchors
    assert coco.joints.tolist() == [13, 14, 15, 16]
    assert coco.anchors.tolist() == [11, 12, 11, 12]
    assert _path_joints(coco, 2) == [15, 13]


def test_upper_joint_below_the_lower_body_is_carried_along():
    # chain 0 <- 1 <- 2 <- 3 with lower body {1, 2}: bone 2 is transplanted,
    # joint 3 (upper) hangs from the moved joint 2 and moves with it
    tree = bone_tree((0, 0, 1, 2), (1, 2))
    assert tree.joints.tolist() == [2, 3]
    assert tree.transplanted.tolist() == [True, False]
    assert tree.anchors.tolist() == [1, 1]
    assert _path_joints(tree, 1) == [3, 2]
    x = torch.zeros(2, 4, 2)
    x[0] = torch.tensor([[0., 0.], [0., 1.], [0., 3.], [1., 3.]])
    x[1] = torch.tensor([[5., 5.], [5., 6.], [6., 6.], [6., 7.]])
    counts = torch.ones(4)
    out, _ = bone_partial_mix(x, _one_hot([0, 1]), torch.tensor([0, 1]),
                              torch.tensor([0]), torch.tensor([1]), tree, 2,
                              counts, 0.5, 3.0)
    # bone 1->2 (length 2) turns to the partner's +x; 3 keeps its own bone
    assert out[0].tolist() == [[0., 0.], [0., 1.], [2., 1.], [3., 1.]]
    with pytest.raises(ValueError, match='tree'):
        bone_tree((1, 0), (1, ))


# ------------------------------------------------------- exact values
def test_hand_worked_leg():
    x = _batch(batch_size=2, persons=1, frames=1)
    receiver = x[0, 0, 0, 0]
    partner = x[1, 0, 0, 0]
    receiver[[0] + NTU_LEG] = torch.tensor([[0., 0., 0.], [1., 0., 0.],
                                            [1., -2., 0.], [1., -4., 0.],
                                            [1., -4., 1.]])
    # partner: other lengths, other directions, elsewhere in space
    partner[[0] + NTU_LEG] = torch.tensor([[5., 5., 5.], [5., 8., 5.],
                                           [5., 8., 1.], [8., 8., 1.],
                                           [8., 8., -1.]])
    original = x.clone()
    out, _ = _mix(x, [0], [1], targets=(0, 1))
    # receiver's lengths 1, 2, 2, 1 along the partner's directions
    # +y, -z, +x, -z, starting at the receiver's pelvis (0, 0, 0)
    torch.testing.assert_close(
        out[0, 0, 0, 0, NTU_LEG],
        torch.tensor([[0., 1., 0.], [0., 1., -2.], [2., 1., -2.],
                      [2., 1., -3.]]),
        rtol=0,
        atol=1e-6)
    others = [v for v in range(25) if v not in NTU_LEG + [16, 17, 18, 19]]
    assert torch.equal(out[0][..., others, :], original[0][..., others, :])
    assert torch.equal(out[1], original[1])
    assert torch.equal(x, original)  # not in place by default


@pytest.mark.parametrize('layout,channels,coord_dims',
                         [(NTU, 3, 3), (COCO, 3, 2), (COCO, 2, 2)],
                         ids=['ntu25-3d', 'coco17-2d-score', 'coco17-2d'])
def test_receiver_lengths_partner_directions(layout, channels, coord_dims):
    x = _batch(batch_size=6, layout=layout, channels=channels)
    chosen, partners = [0, 2, 3], [1, 0, 5]
    out, soft = _mix(x.clone(), chosen, partners, layout, coord_dims,
                     targets=(0, 1, 2, 3, 0, 1))
    xyz, out_xyz = x[..., :coord_dims], out[..., :coord_dims]
    lower = _lower_bones(layout)
    tree = bone_tree(layout.parents, layout.lower_body)
    kept = [v for v in range(layout.num_joints)
            if v not in tree.joints.tolist()]
    for i, j in zip(chosen, partners):
        # every bone has the receiver's length: the skeleton is connected
        # and keeps the receiver's proportions
        torch.testing.assert_close(
            _bones(out_xyz[i], layout).norm(dim=-1),
            _bones(xyz[i], layout).norm(dim=-1))
        # lower-body bones point where the partner's do
        mixed_dir = torch.nn.functional.normalize(
            _bones(out_xyz[i], layout)[..., lower, :], dim=-1)
        partner_dir = torch.nn.functional.normalize(
            _bones(xyz[j], layout)[..., lower, :], dim=-1)
        torch.testing.assert_close(mixed_dir, partner_dir)
        # upper body and attachment joints: the receiver's, bit for bit
        assert torch.equal(out[i][..., kept, :], x[i][..., kept, :])
        if channels > coord_dims:  # scores of moved joints: the partner's
            assert torch.equal(out[i][..., lower, coord_dims:],
                               x[j][..., lower, coord_dims:])
    for unmixed in (1, 4, 5):
        assert torch.equal(out[unmixed], x[unmixed])
    # the labels are those of the joint version for the same pairs
    _, joint_soft = partial_mix(x.clone(),
                                _one_hot([0, 1, 2, 3, 0, 1]),
                                torch.tensor([0, 1, 2, 3, 0, 1]),
                                torch.tensor(chosen), torch.tensor(partners),
                                list(layout.lower_body), COUNTS, 0.64, 3.0)
    assert torch.equal(soft, joint_soft)


# ---------------------------------------------------------- zero padding
def test_zero_padded_persons_and_frames():
    """A padded (all-zero) receiver person or frame stays zero; where the
    partner is padding the receiver keeps its own skeleton."""
    x = _batch(batch_size=3)  # (B, nc, M=2, T=3, V, C)
    x[0, :, 1] = 0  # sample 0: second person is padding
    x[1, :, 1] = 0  # sample 1: second person is padding
    x[2, :, :, 2] = 0  # sample 2: last frame is padding
    original = x.clone()
    out, _ = _mix(x, [0, 1, 2], [1, 2, 0], targets=(0, 1, 2))
    assert torch.isfinite(out).all()
    # receiver 0 <- partner 1: the real person takes the partner's legs, the
    # padded one stays zero
    assert not torch.equal(out[0, :, 0], original[0, :, 0])
    assert torch.equal(out[0, :, 1], original[0, :, 1])
    # receiver 1 <- partner 2: frames 0-1 mixed, frame 2 (partner padding)
    # kept
    assert not torch.equal(out[1, :, 0, :2], original[1, :, 0, :2])
    assert torch.equal(out[1, :, :, 2], original[1, :, :, 2])
    assert torch.equal(out[1, :, 1], original[1, :, 1])
    # receiver 2 <- partner 0: person 1 meets the partner's padded person:
    # kept; its own padded frame 2 stays zero
    assert torch.equal(out[2, :, 1], original[2, :, 1])
    assert torch.equal(out[2, :, :, 2], torch.zeros_like(out[2, :, :, 2]))
    assert not torch.equal(out[2, :, 0, :2], original[2, :, 0, :2])


def test_padded_2d_frames_keep_their_zero_scores():
    x = _batch(batch_size=2, layout=COCO, channels=3)  # x, y, score
    x[0, :, :, 1] = 0  # receiver frame 1: coordinates and scores padding
    original = x.clone()
    out, _ = _mix(x, [0], [1], COCO, 2, targets=(0, 1))
    assert torch.equal(out[0, :, :, 1], original[0, :, :, 1])
    lower = _lower_bones(COCO)
    assert torch.equal(out[0, :, :, 0][..., lower, 2],
                       original[1, :, :, 0][..., lower, 2])


# ----------------------------------------------------------- the class
def _blending(**kwargs):
    cfg = dict(type='RebalancedPartialMix', num_classes=4,
               class_counts=COUNTS.tolist(), ratio=0.5, space='bone')
    cfg.update(kwargs)
    return MODELS.build(cfg)


def test_default_space_is_joint_and_unchanged():
    assert RebalancedPartialMix(4).space == 'joint'
    x = _batch(batch_size=8)
    torch.manual_seed(0)
    default, samples = _blending(space='joint')(x.clone(),
                                                _samples([0, 1, 2, 3] * 2))
    torch.manual_seed(0)
    plain = MODELS.build(
        dict(type='RebalancedPartialMix', num_classes=4,
             class_counts=COUNTS.tolist(), ratio=0.5))
    same, same_samples = plain(x.clone(), _samples([0, 1, 2, 3] * 2))
    assert torch.equal(default, same)
    for a, b in zip(samples, same_samples):
        assert torch.equal(a.gt_label, b.gt_label)


def test_bone_space_draws_the_joint_versions_pairs_and_labels():
    x = _batch(batch_size=8)
    torch.manual_seed(3)
    joint_out, joint_samples = _blending(space='joint')(
        x.clone(), _samples([0, 1, 2, 3] * 2))
    torch.manual_seed(3)
    bone_out, bone_samples = _blending()(x.clone(),
                                         _samples([0, 1, 2, 3] * 2))
    for a, b in zip(joint_samples, bone_samples):
        assert torch.equal(a.gt_label, b.gt_label)
    # the same 4 samples change, in other ways
    changed = (bone_out != x).flatten(1).any(1)
    assert torch.equal(changed, (joint_out != x).flatten(1).any(1))
    assert int(changed.sum()) == 4
    assert not torch.equal(bone_out, joint_out)


def test_inplace_copy_and_seeded_runs_agree():
    x = _batch(batch_size=8)
    results = []
    for inplace in (True, False, True):
        batch = x.clone()
        torch.manual_seed(1)
        out, _ = _blending(inplace=inplace)(batch, _samples([0, 1, 2, 3] * 2))
        assert (out is batch) == inplace
        results.append(out)
    assert torch.equal(results[0], results[1])
    assert torch.equal(results[0], results[2])


@pytest.mark.parametrize('layout', sorted(LAYOUTS))
def test_every_layout_of_the_table(layout):
    spec = get_layout(layout)
    x = _batch(batch_size=4, layout=spec)
    torch.manual_seed(0)
    out, _ = _blending(layout=layout, ratio=1.0)(x.clone(),
                                                  _samples([0, 1, 2, 3]))
    upper = list(spec.upper_body)
    assert torch.equal(out[..., upper, :], x[..., upper, :])
    assert not torch.equal(out, x)


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
def test_low_precision_inputs(dtype):
    x = _batch(batch_size=8).to(dtype)
    torch.manual_seed(0)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out, _ = _blending()(x.clone(), _samples([0, 1, 2, 3] * 2))
    assert out.dtype == dtype
    kept = list(range(12)) + list(range(20, 25))
    assert torch.equal(out[..., kept, :], x[..., kept, :])
    changed = (out != x).flatten(1).any(1)
    for i in torch.nonzero(changed).flatten().tolist():
        torch.testing.assert_close(
            _bones(out[i].float(), NTU).norm(dim=-1),
            _bones(x[i].float(), NTU).norm(dim=-1),
            rtol=0.05, atol=0.05)  # one rounding to fp16 / bf16


def test_bad_arguments():
    with pytest.raises(ValueError, match="'joint' or 'bone'"):
        _blending(space='limb')
    with pytest.raises(ValueError, match='legacy'):
        _blending(legacy=True)
    with pytest.raises(ValueError, match='coordinate'):
        _mix(_batch(channels=2), [0], [1])
    assert "space='bone'" in repr(_blending())


def test_through_action_data_preprocessor():
    preprocessor = MODELS.build(
        dict(type='ActionDataPreprocessor',
             blending=dict(type='RebalancedPartialMix', num_classes=4,
                           class_counts=COUNTS.tolist(), ratio=0.5,
                           space='bone')))
    inputs = list(_batch(batch_size=4))
    torch.manual_seed(0)
    out = preprocessor(dict(inputs=inputs,
                            data_samples=_samples([0, 1, 2, 3])),
                       training=True)
    mixed = out['inputs']
    stacked = torch.stack(inputs)
    assert mixed.shape == stacked.shape
    torch.testing.assert_close(
        _bones(mixed, NTU).norm(dim=-1), _bones(stacked, NTU).norm(dim=-1))
    assert all(s.gt_label.shape == (4, ) for s in out['data_samples'])


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_cuda_without_host_sync():
    blending = _blending()
    x = _batch(batch_size=16).cuda()
    blending(x, [s.to('cuda') for s in _samples([0, 1, 2, 3] * 4)])
    samples = [s.to('cuda') for s in _samples([0, 1, 2, 3] * 4)]
    torch.cuda.set_sync_debug_mode('error')
    try:
        out, _ = blending(x, samples)
    finally:
        torch.cuda.set_sync_debug_mode(0)
    assert out.device.type == 'cuda'
