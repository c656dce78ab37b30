"""CTR-GCN and MS-G3D backbones: shapes per layout, BRL key layout, grads."""
import os.path as osp

import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.registry import init_default_scope

from brl_mm.models.backbones import CTRGCN, MSG3D
from brl_mm.testing import REPO

LAYOUT_DIR = osp.join(osp.dirname(REPO), 'shared', 'data',
                      'brl_checkpoint_layout')

#: (backbone config, GCNHead in_channels) as in the BRL configs.
BACKBONES = {
    'ctrgcn': (dict(type='CTRGCN',
                    graph_cfg=dict(layout='nturgb+d', mode='spatial')), 256),
    'msg3d': (dict(type='MSG3D',
                   graph_cfg=dict(layout='nturgb+d', mode='binary_adj')),
              384),
}
GRAPH_MODE = {'ctrgcn': 'spatial', 'msg3d': 'binary_adj'}
LAYOUT_JOINTS = {'nturgb+d': 25, 'coco': 17, 'openpose': 18, 'nw_ucla': 20}


def read_layout_table(name):
    """(key, shape) rows and the footer counts of a layout TSV."""
    path = osp.join(LAYOUT_DIR, name)
    if not osp.isdir(LAYOUT_DIR):
        pytest.skip(f'{LAYOUT_DIR} is absent (it ships with ../shared)')
    rows, footer = [], {}
    with open(path) as f:
        for line in f:
            if line.startswith('#'):
                counts = line[1:].split('|')[0].split()
                footer = {k: int(v) for k, v in
                          (c.split('=') for c in counts)}
                continue
            key, shape, _ = line.rstrip('\n').split('\t')
            rows.append((key, shape))
    return rows, footer


def shape_str(tensor):
    return 'x'.join(map(str, tensor.shape)) if tensor.dim() else 'scalar'


def build_recognizer(name, num_classes=60):
    init_default_scope('mmaction')
    backbone, in_channels = BACKBONES[name]
    return MODELS.build(
        dict(type='RecognizerGCN',
             backbone=backbone,
             cls_head=dict(type='GCNHead', num_classes=num_classes,
                           in_channels=in_channels)))


@pytest.mark.parametrize('name', sorted(BACKBONES))
def test_state_dict_matches_brl_layout(name):
    model = build_recognizer(name)
    got = [(k, shape_str(v)) for k, v in model.state_dict().items()]
    brl, footer = read_layout_table(f'{name}_ntu25_keys.tsv')
    # the only difference to BRL: cls_head.fc_cls.* is cls_head.fc.*
    expected = [(k.replace('cls_head.fc_cls.', 'cls_head.fc.'), s)
                for k, s in brl]
    assert got == expected  # same keys, shapes and order
    projected, _ = read_layout_table(f'mmaction_proj_{name}_ntu25_keys.tsv')
    assert got == projected
    # same split into parameters and buffers (strict loading needs it)
    params = dict(model.named_parameters())
    assert len(params) == footer['param_tensors']
    assert len(got) - len(params) == footer['buffer_tensors']
    assert sum(p.numel() for p in params.values()) == footer['params']


def test_parameter_vs_buffer_roles():
    ctr = CTRGCN(graph_cfg=dict(layout='nturgb+d', mode='spatial'))
    params = dict(ctr.named_parameters())
    assert 'A' not in params and 'net.0.gcn1.A' in params
    assert 'net.0.gcn1.alpha' in params
    msg = MSG3D(graph_cfg=dict(layout='nturgb+d', mode='binary_adj'))
    params = dict(msg.named_parameters())
    assert 'sgcn1.0.PA' in params and 'sgcn1.0.A' not in params
    assert 'gcn3d1.gcn3d.0.gcn3d.1.PA' in params
    assert dict(msg.named_buffers())['A'].shape == (25, 25)


def expected_frames(frames):
    return -(-(-(-frames // 2)) // 2)  # two stride-2 stages, ceil


@pytest.mark.parametrize('layout', sorted(LAYOUT_JOINTS))
@pytest.mark.parametrize('name', sorted(BACKBONES))
def test_output_shape_per_layout(name, layout):
    num_joints = LAYOUT_JOINTS[layout]
    cls = CTRGCN if name == 'ctrgcn' else MSG3D
    model = cls(graph_cfg=dict(layout=layout, mode=GRAPH_MODE[name])).eval()
    frames = 12 if layout != 'coco' else 9  # odd length too
    x = torch.randn(2, 2, frames, num_joints, 3)
    with torch.no_grad():
        out = model(x)
    channels = 256 if name == 'ctrgcn' else 384
    assert out.shape == (2, 2, channels, expected_frames(frames), num_joints)
    assert torch.isfinite(out).all()


@pytest.mark.parametrize('name', sorted(BACKBONES))
def test_other_channels_and_persons(name):
    cls = CTRGCN if name == 'ctrgcn' else MSG3D
    model = cls(graph_cfg=dict(layout='coco', mode=GRAPH_MODE[name]),
                in_channels=2, base_channels=24, num_person=1).eval()
    with torch.no_grad():
        out = model(torch.randn(3, 1, 8, 17, 2))
    assert out.shape == (3, 1, 96, 2, 17)
    assert model.data_bn.num_features == 1 * 2 * 17


def test_clear_errors():
    model = CTRGCN(graph_cfg=dict(layout='nturgb+d', mode='spatial'))
    with pytest.raises(ValueError, match='graph_cfg'):
        model(torch.randn(1, 2, 8, 17, 3))  # coco data into an NTU graph
    with pytest.raises(ValueError, match=r'\(N, M, T, V, C\)'):
        model(torch.randn(2, 8, 25, 3))
    with pytest.raises(ValueError, match="mode='binary_adj'"):
        MSG3D(graph_cfg=dict(layout='nturgb+d', mode='spatial'))


@pytest.mark.parametrize('name', sorted(BACKBONES))
def test_gradients_reach_every_parameter(name):
    cls = CTRGCN if name == 'ctrgcn' else MSG3D
    model = cls(graph_cfg=dict(layout='nw_ucla', mode=GRAPH_MODE[name]),
                base_channels=24)
    model.init_weights()
    model.train()
    # CTR-GCN starts with alpha = 0, which blocks the refinement convs'
    # gradients at step 0 by design; move it off 0 to see them.
    with torch.no_grad():
        for key, param in model.named_parameters():
            if key.endswith('alpha'):
                param.fill_(0.5)
    x = torch.randn(2, 2, 8, 20, 3, requires_grad=True)
    model(x).square().mean().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    missing = [n for n, p in model.named_parameters() if p.grad is None]
    assert not missing
    dead = [n for n, p in model.named_parameters() if not p.grad.any()]
    assert not dead
    learned = ('net.0.gcn1.alpha', 'net.0.gcn1.A') if name == 'ctrgcn' else (
        'sgcn1.0.PA', 'gcn3d2.gcn3d.1.gcn3d.1.PA')
    params = dict(model.named_parameters())
    for key in learned:
        assert params[key].grad.abs().sum() > 0, key


@pytest.mark.parametrize('name', sorted(BACKBONES))
def test_recognizer_gcn_with_gcn_head(name):
    model = build_recognizer(name, num_classes=5)
    model.init_weights()
    inputs = torch.randn(2, 1, 2, 8, 25, 3)  # N, clips, M, T, V, C
    samples = [ActionDataSample().set_gt_label(k) for k in (1, 4)]
    model.train()
    losses = model(inputs, samples, mode='loss')
    assert torch.isfinite(losses['loss_cls'])
    losses['loss_cls'].backward()
    assert model.backbone.data_bn.weight.grad is not None
    model.eval()
    with torch.no_grad():
        preds = model(inputs, samples, mode='predict')
    assert len(preds) == 2 and preds[0].pred_score.shape == (5, )
