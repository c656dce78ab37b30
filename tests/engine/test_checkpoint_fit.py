"""Issue 16 item 3: a checkpoint that does not fit the model is refused with
the mismatched keys and the likely cause (hand-made state dicts)."""
import pytest
import torch

from brl_mm.engine.hooks import checkpoint_fit_report


def _state(joints=25, classes=60, channels=3, feat=256, backbone='gcn'):
    return {
        'backbone.data_bn.weight': torch.zeros(2 * channels * joints),
        f'backbone.{backbone}.0.gcn.A': torch.zeros(3, joints, joints),
        f'backbone.{backbone}.0.gcn.conv.weight': torch.zeros(
            64 * 3, channels, 1, 1),
        f'backbone.{backbone}.1.gcn.conv.weight': torch.zeros(feat, 64, 1, 1),
        'cls_head.fc.weight': torch.zeros(classes, feat),
        'cls_head.fc.bias': torch.zeros(classes),
    }


def test_fitting_checkpoint_has_no_report():
    assert checkpoint_fit_report(_state(), _state()) is None


@pytest.mark.parametrize('ckpt, model, cause', [
    (dict(joints=17), dict(joints=25),
     'checkpoint has 17 joints (coco), config has 25 (nturgb+d): '
     'wrong layout'),
    (dict(classes=120), dict(classes=60),
     'checkpoint has 120 classes, config has 60: wrong num_classes'),
    (dict(channels=6), dict(channels=3),
     'the first backbone layer takes 6 input channels in the checkpoint, '
     '3 in the config: another '
     'stream'),
    (dict(feat=384), dict(feat=256),
     'the head takes 384 features in the checkpoint, 256 in the config'),
])
def test_likely_cause(ckpt, model, cause):
    report = checkpoint_fit_report(_state(**ckpt), _state(**model))
    assert f'likely cause: {cause}' in report
    assert 'size mismatch' in report


def test_another_backbone_lists_missing_and_unexpected_keys():
    report = checkpoint_fit_report(_state(backbone='l'), _state(),
                                   backbones=('AAGCN', 'STGCN'))
    assert '3 backbone weights are missing and 3 unexpected: another ' \
        'backbone (checkpoint: AAGCN, config: STGCN)' in report
    assert 'missing in checkpoint: backbone.gcn.0.gcn.A' in report
    assert 'not in the model: backbone.l.0.gcn.A' in report


def test_the_losses_run_time_state_is_not_compared():
    from mmaction.registry import MODELS

    import brl_mm  # noqa: F401
    from brl_mm.engine.hooks.checkpoint_fit import loss_state_prefixes
    head = MODELS.build(dict(type='GCNHead', num_classes=4, in_channels=8,
                             loss_cls=dict(type='ActionAwareLoss')))
    assert loss_state_prefixes(head) == ['loss_cls.']
    learnt = {k: v for k, v in head.state_dict().items()
              if not k.startswith('loss_cls.')}  # an official checkpoint
    assert set(learnt) == {'fc.weight', 'fc.bias'}
    assert 'missing in checkpoint: loss_cls.' in checkpoint_fit_report(
        learnt, head.state_dict())
    assert checkpoint_fit_report(learnt, head.state_dict(),
                                 runtime_prefixes=['loss_cls.']) is None
