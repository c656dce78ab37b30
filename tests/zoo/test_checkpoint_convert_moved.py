"""The converter moved to brl_mm.zoo; the old import path still works for a
release, with a DeprecationWarning; and what the move added (sha256,
training-state buffers, no write on a mismatch)."""
import hashlib
import importlib
import sys
from collections import OrderedDict

import pytest
import torch
from mmaction.registry import MODELS
from mmengine.registry import init_default_scope

from brl_mm.zoo import checkpoint_convert
from brl_mm.zoo.checkpoint_convert import (UnmatchedKeysError,
                                           convert_checkpoint)


def test_old_path_warns_and_reexports():
    sys.modules.pop('brl_mm.models.checkpoint_convert', None)
    with pytest.warns(DeprecationWarning, match='brl_mm.zoo.checkpoint_'):
        old = importlib.import_module('brl_mm.models.checkpoint_convert')
    assert old.convert_checkpoint is checkpoint_convert.convert_checkpoint
    assert old.load_legacy_checkpoint is \
        checkpoint_convert.load_legacy_checkpoint


def tiny_brl_model(num_classes=3):
    init_default_scope('mmaction')
    return MODELS.build(dict(
        type='RecognizerGCN',
        backbone=dict(type='STGCN', base_channels=4, num_stages=1,
                      inflate_stages=[], down_stages=[],
                      graph_cfg=dict(layout='nturgb+d', mode='spatial')),
        cls_head=dict(type='GCNHead', num_classes=num_classes,
                      in_channels=4, loss_cls=dict(type='ActionAwareLoss'))))


def original_file(tmp_path, model):
    """The model's weights under BRL's names, without the loss buffers."""
    state = OrderedDict(
        (k.replace('cls_head.fc.', 'cls_head.fc_cls.'), v)
        for k, v in model.state_dict().items()
        if not k.startswith('cls_head.loss_cls.'))
    path = tmp_path / 'brl.pth'
    torch.save(dict(meta=dict(epoch=3), state_dict=state), str(path))
    return str(path)


def test_sha256_and_training_state(tmp_path):
    model = tiny_brl_model()
    src, dst = original_file(tmp_path, model), str(tmp_path / 'out.pth')
    report = convert_checkpoint(src, dst, model=tiny_brl_model(),
                                extra_meta=dict(zoo_name='x'))
    assert not report.unmatched
    assert report.training_state_from_model == [
        'cls_head.loss_cls.class_counts', 'cls_head.loss_cls.class_weight',
        'cls_head.loss_cls.stage'
    ]
    digest = hashlib.sha256(open(src, 'rb').read()).hexdigest()
    assert report.source_sha256 == digest and digest in report.format()
    saved = torch.load(dst, weights_only=True)
    assert saved['meta']['source_sha256'] == digest
    assert saved['meta']['zoo_name'] == 'x'
    target = tiny_brl_model()
    target.load_state_dict(saved['state_dict'], strict=True)
    assert torch.equal(target.cls_head.fc.weight, model.cls_head.fc.weight)


def test_require_match_writes_nothing(tmp_path):
    src = original_file(tmp_path, tiny_brl_model(num_classes=3))
    dst = tmp_path / 'out.pth'
    with pytest.raises(UnmatchedKeysError) as info:
        convert_checkpoint(src, str(dst), model=tiny_brl_model(5),
                           require_match=True)
    assert info.value.report.shape_mismatch[0][0] == 'cls_head.fc.weight'
    assert not dst.exists()
