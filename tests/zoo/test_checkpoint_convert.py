"""BRL / PYSKL checkpoint conversion, on state dicts built from the layout
tables of ../shared/data/brl_checkpoint_layout (all four backbones)."""
import sys
import types
from collections import OrderedDict

import numpy as np
import pytest
import torch
from mmaction.registry import MODELS
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint

from brl_mm.testing import fake_brl_state_dict, load_tool
from brl_mm.zoo.checkpoint_convert import (ConversionReport,
                                           compare_with_model,
                                           convert_checkpoint,
                                           convert_state_dict,
                                           extract_state_dict,
                                           load_legacy_checkpoint)

FAKE = 'brl_fake_mmcv1'  # stands in for mmcv 1.x while pickling

_NTU = dict(layout='nturgb+d', mode='spatial')
#: BRL table -> the brl_mm / mmaction model its checkpoint loads into.
TARGETS = {
    # ST-GCN++ as in the spec (../shared/spec/brl_method.md, section 4)
    'stgcnpp': (dict(type='STGCN', gcn_adaptive='init', gcn_with_res=True,
                     tcn_type='mstcn', graph_cfg=_NTU), 256),
    # BRL's AAGCN has attention on: mmaction's AAGCN default
    'aagcn': (dict(type='AAGCN', gcn_attention=True, graph_cfg=_NTU), 256),
    'ctrgcn': (dict(type='CTRGCN', graph_cfg=_NTU), 256),
    'msg3d': (dict(type='MSG3D', graph_cfg=dict(layout='nturgb+d',
                                                mode='binary_adj')), 384),
}


def build_target(name, num_classes=60):
    init_default_scope('mmaction')
    backbone, in_channels = TARGETS[name]
    return MODELS.build(
        dict(type='RecognizerGCN', backbone=backbone,
             cls_head=dict(type='GCNHead', num_classes=num_classes,
                           in_channels=in_channels)))


def brl_state_dict(name, seed=0):
    """Random tensors with the keys and shapes of BRL's ``name`` model."""
    state = fake_brl_state_dict(name, seed=seed)
    if state is None:
        pytest.skip('../shared/data/brl_checkpoint_layout is absent (it '
                    'ships with ../shared)')
    return state


def save_like_mmcv1(state_dict, path, zipfile=True):
    """torch.save a checkpoint as mmcv 1.x's save_checkpoint does, with meta
    objects whose classes live in a fake module that is then removed
    (``zipfile=False``: torch < 1.6's legacy format)."""
    config_mod = types.ModuleType(f'{FAKE}.utils.config')
    hooks_mod = types.ModuleType(f'{FAKE}.runner.hooks')

    class ConfigDict(dict):  # like mmcv.utils.config.ConfigDict (addict)
        def __getstate__(self):
            return {'frozen': True}

    class LoggerHook:
        def __init__(self):
            self.interval = 50

    for cls, mod in ((ConfigDict, config_mod), (LoggerHook, hooks_mod)):
        cls.__module__ = mod.__name__
        cls.__qualname__ = cls.__name__
        setattr(mod, cls.__name__, cls)
    names = [FAKE, f'{FAKE}.utils', f'{FAKE}.runner', config_mod.__name__,
             hooks_mod.__name__]
    for name in names:
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules[config_mod.__name__] = config_mod
    sys.modules[hooks_mod.__name__] = hooks_mod
    try:
        cfg = ConfigDict(model=dict(type='RecognizerGCN'), total_epochs=16)
        checkpoint = dict(
            meta=dict(mmcv_version='1.7.1', time='Mon Mar  3 2025',
                      epoch=16, iter=12000, config='model = dict(...)',
                      cfg=cfg, hooks=[LoggerHook()],
                      hook_msgs=dict(best_score=np.float64(0.812),
                                     best_ckpt='epoch_16.pth'),
                      CLASSES=None),
            state_dict=state_dict,
            optimizer=dict(state={}, param_groups=[dict(lr=0.1)]))
        torch.save(checkpoint, path, _use_new_zipfile_serialization=zipfile)
    finally:
        for name in names:
            sys.modules.pop(name, None)
    assert FAKE not in sys.modules


@pytest.mark.parametrize('name', sorted(TARGETS))
def test_convert_and_strict_load(name, tmp_path):
    original = brl_state_dict(name)
    src, dst = tmp_path / f'{name}_brl.pth', tmp_path / f'{name}.pth'
    save_like_mmcv1(original, str(src))
    # torch's safe loader refuses the file (so the legacy path is tested)
    with pytest.raises(Exception):
        torch.load(str(src), weights_only=True)

    model = build_target(name)
    report = convert_checkpoint(str(src), str(dst), model=model)
    assert FAKE not in sys.modules  # nothing imported for the fake classes
    assert report.renamed == {
        'cls_head.fc_cls.weight': 'cls_head.fc.weight',
        'cls_head.fc_cls.bias': 'cls_head.fc.bias'
    }
    assert report.missing_classes == [f'{FAKE}.runner.hooks.LoggerHook',
                                      f'{FAKE}.utils.config.ConfigDict']
    assert report.dropped_entries == ['optimizer']
    assert not report.unmatched and report.model_checked
    assert 'strict load works' in report.format()

    # the output is a plain mmengine checkpoint
    saved = torch.load(str(dst), weights_only=True)
    assert set(saved) == {'state_dict', 'meta'}
    meta = saved['meta']['source_meta']
    assert meta['epoch'] == 16 and meta['hook_msgs']['best_score'] == 0.812
    assert meta['cfg'].startswith('<dropped ')

    target = build_target(name)
    load_checkpoint(target, str(dst), strict=True, map_location='cpu')
    loaded = target.state_dict()
    for key, value in original.items():
        new = key.replace('cls_head.fc_cls.', 'cls_head.fc.')
        assert torch.equal(loaded[new], value), key
    assert len(loaded) == len(original)


@pytest.mark.parametrize('zipfile', [True, False])
def test_load_legacy_checkpoint_keeps_meta(tmp_path, zipfile):
    src = tmp_path / 'a.pth'
    save_like_mmcv1(OrderedDict(w=torch.ones(2)), str(src), zipfile)
    checkpoint, missing = load_legacy_checkpoint(str(src))
    assert torch.equal(checkpoint['state_dict']['w'], torch.ones(2))
    cfg = checkpoint['meta']['cfg']
    assert cfg['total_epochs'] == 16 and cfg.state == {'frozen': True}
    assert cfg.module == f'{FAKE}.utils.config' and 'missing' in repr(cfg)
    assert checkpoint['meta']['hooks'][0].state == {'interval': 50}
    assert len(missing) == 2


def test_mmcv_classes_are_never_imported(tmp_path, monkeypatch):
    """A class pickled from ``mmcv.utils.config`` (mmcv 1.x) becomes a
    placeholder even though an ``mmcv`` package (2.x) is installed."""
    module = types.ModuleType('mmcv.utils.config')

    class ConfigDict(dict):
        pass

    ConfigDict.__module__ = module.__name__
    ConfigDict.__qualname__ = 'ConfigDict'
    module.ConfigDict = ConfigDict
    src = tmp_path / 'mmcv1.pth'
    monkeypatch.setitem(sys.modules, module.__name__, module)
    torch.save(dict(meta=dict(cfg=ConfigDict(a=1)),
                    state_dict=OrderedDict(w=torch.ones(1))), str(src))
    monkeypatch.delitem(sys.modules, module.__name__)
    checkpoint, missing = load_legacy_checkpoint(str(src))
    assert missing == ['mmcv.utils.config.ConfigDict']
    assert checkpoint['meta']['cfg'] == {'a': 1}
    assert 'mmcv.utils.config' not in sys.modules


def test_plain_state_dict_uses_the_safe_loader(tmp_path):
    src, dst = tmp_path / 'bare.pth', tmp_path / 'out.pth'
    torch.save(OrderedDict([('module.backbone.x', torch.zeros(1)),
                            ('module.cls_head.fc_cls.bias', torch.ones(3))]),
               str(src))
    checkpoint, missing = load_legacy_checkpoint(str(src))
    assert missing == []
    report = convert_checkpoint(str(src), str(dst))
    assert report.renamed == {
        'module.backbone.x': 'backbone.x',
        'module.cls_head.fc_cls.bias': 'cls_head.fc.bias'
    }
    assert not report.model_checked and 'not checked' in report.format()
    assert list(torch.load(str(dst))['state_dict']) == [
        'backbone.x', 'cls_head.fc.bias'
    ]


def test_convert_state_dict_rules():
    state = OrderedDict([('module.module.backbone.a', torch.zeros(1)),
                         ('cls_head.fc_cls.weight', torch.zeros(1)),
                         ('backbone.fc_cls.weight', torch.zeros(1))])
    out, renamed = convert_state_dict(state)
    assert list(out) == ['backbone.a', 'cls_head.fc.weight',
                         'backbone.fc_cls.weight']
    assert len(renamed) == 2
    with pytest.raises(ValueError, match='cls_head.fc.weight'):
        convert_state_dict(OrderedDict([('cls_head.fc.weight', 1),
                                        ('cls_head.fc_cls.weight', 2)]))
    with pytest.raises(ValueError, match='non-tensor'):
        extract_state_dict(dict(state_dict=dict(a=1)))


def test_report_lists_unmatched_keys():
    state, _ = convert_state_dict(brl_state_dict('ctrgcn'))
    state['backbone.extra'] = torch.zeros(1)
    del state['backbone.net.9.gcn1.alpha']
    model = build_target('ctrgcn', num_classes=120)  # NTU-120 head
    report = compare_with_model(state, model,
                                ConversionReport(num_keys=len(state)))
    assert report.unmatched
    assert report.missing_in_checkpoint == ['backbone.net.9.gcn1.alpha']
    assert report.unexpected_in_checkpoint == ['backbone.extra']
    assert report.shape_mismatch == [
        ('cls_head.fc.weight', (60, 256), (120, 256)),
        ('cls_head.fc.bias', (60, ), (120, ))
    ]
    text = report.format()
    assert 'UNMATCHED' in text and 'backbone.extra' in text


def test_cli_never_overwrites_without_force(tmp_path, capsys):
    tool = load_tool('convert_brl_checkpoint')
    src, dst = tmp_path / 'brl.pth', tmp_path / 'out.pth'
    save_like_mmcv1(brl_state_dict('ctrgcn'), str(src))
    config = tmp_path / 'cfg.py'
    config.write_text(
        "model = dict(type='RecognizerGCN', backbone=dict(type='CTRGCN', "
        "graph_cfg=dict(layout='nturgb+d', mode='spatial')), "
        "cls_head=dict(type='GCNHead', num_classes=60, in_channels=256))\n")
    args = [str(src), str(dst), '--config', str(config)]
    assert tool.run_cli(tool.main, args) == 0
    assert 'strict load works' in capsys.readouterr().out
    before = dst.read_bytes()
    assert tool.run_cli(tool.main, args) == 2  # exists, no --force
    assert 'force' in capsys.readouterr().err.strip().splitlines()[-1]
    assert dst.read_bytes() == before
    with pytest.raises(FileExistsError, match='force'):
        convert_checkpoint(str(src), str(dst))
    # a 120-class head does not fit: nothing written, exit 2, keys listed
    wrong = args + ['--force', '--cfg-options',
                    'model.cls_head.num_classes=120']
    assert tool.run_cli(tool.main, wrong) == 2
    err = capsys.readouterr().err
    assert 'cls_head.fc.weight' in err and 'class' in err
    assert err.strip().splitlines()[-1].startswith('error: ')
    assert 'nothing was written' in err
    assert dst.read_bytes() == before
    # ... unless the user asks for it
    assert tool.run_cli(tool.main, wrong + ['--allow-unmatched']) == 0
    assert 'shape mismatch' in capsys.readouterr().out


@pytest.mark.parametrize('content, what', [
    (b'', 'empty'),
    (bytes(range(256)) * 8, 'not'),
    (None, 'truncated'),
])
def test_cli_names_an_unreadable_source_and_unpickles_nothing(
        tmp_path, capsys, content, what):
    tool = load_tool('convert_brl_checkpoint')
    src, dst = tmp_path / 'brl.pth', tmp_path / 'out.pth'
    if content is None:  # a real checkpoint cut in half
        torch.save(dict(state_dict={'w': torch.zeros(1000)}), str(src))
        content = src.read_bytes()[:len(src.read_bytes()) // 2]
    src.write_bytes(content)
    assert tool.run_cli(tool.main, [str(src), str(dst)]) == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith('error: ') and str(src) in last and what in last
    assert not dst.exists()
