"""BRL's STAE (transforms + partial mixup) in an unmodified stock mmaction2
ST-GCN++ config, inherited with ``mmaction::``, trains one tiny epoch."""
import math
import textwrap

import pytest
import torch
from mmengine.runner import Runner

from brl_mm.testing import load_config, write_skeleton_pickle

STOCK = ('mmaction::skeleton/stgcnpp/'
         'stgcnpp_8xb16-joint-u100-80e_ntu60-xsub-keypoint-3d.py')

# The lines a user adds to a stock config to get BRL's STAE.
BRL_STAE_OVERRIDES = '''
custom_imports = dict(imports=['brl_mm'], allow_failed_imports=False)

train_pipeline = [
    dict(type='PreNormalize3D'),
    dict(type='RandomScale', scale=0.1),
    dict(type='RandomRot', theta=0.3),
    dict(type='SpatialFlip', layout='nturgb+d', p=0.5),
    dict(type='TemporalReverse', p=0.5),
    dict(type='GenSkeFeat', dataset='nturgb+d', feats=['j']),
    dict(type='UniformSampleFrames', clip_len=16),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs'),
]
model = dict(
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        blending=dict(
            type='RebalancedPartialMix', num_classes=num_classes,
            layout='nturgb+d', ratio=0.25, class_counts=class_counts)),
    # (not BRL) tiny network for the test
    backbone=dict(base_channels=8),
    cls_head=dict(num_classes=num_classes, in_channels=32))
'''

# Only to keep the test tiny: tiny data, one epoch, no val (and the small
# network in the model dict above).
TINY_OVERRIDES = '''
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(times=1, dataset=dict(ann_file=ann_file,
                                       pipeline=train_pipeline)))
val_dataloader = None
val_cfg = None
val_evaluator = None
test_dataloader = None
test_cfg = None
test_evaluator = None
train_cfg = dict(max_epochs=1)
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=1))
randomness = dict(seed=0)
'''


@pytest.mark.slow
def test_stae_trains_in_stock_stgcnpp_config(tmp_path):
    train_labels = [0] * 8 + [1] * 4 + [2] * 2 + [3] * 2
    ann_file = str(tmp_path / 'tiny_ntu.pkl')
    write_skeleton_pickle(ann_file,
                          train_labels,
                          dict(xsub_train=range(len(train_labels))),
                          frames=24)
    cfg_file = tmp_path / 'stae_stgcnpp.py'
    cfg_file.write_text(f'_base_ = {STOCK!r}\n'
                        f'ann_file = {ann_file!r}\n'
                        'num_classes = 4\n'
                        'class_counts = [8, 4, 2, 2]\n' +
                        textwrap.dedent(BRL_STAE_OVERRIDES) +
                        textwrap.dedent(TINY_OVERRIDES))
    cfg = load_config(str(cfg_file))
    # the stock model stays: ST-GCN++ backbone and GCN head
    assert cfg.model.type == 'RecognizerGCN'
    assert cfg.model.backbone.tcn_type == 'mstcn'
    assert cfg.model.backbone.graph_cfg.layout == 'nturgb+d'
    cfg.work_dir = str(tmp_path / 'work')

    runner = Runner.from_cfg(cfg)
    blending = runner.model.data_preprocessor.blending
    assert type(blending).__name__ == 'RebalancedPartialMix'
    runner.train()
    assert runner.epoch == 1 and runner.iter == 4

    loss = runner.message_hub.get_scalar('train/loss').current()
    assert math.isfinite(loss)

    # a training batch leaves the preprocessor with mixed soft labels
    torch.manual_seed(0)
    batch = next(iter(runner.train_dataloader))
    data = runner.model.data_preprocessor(batch, training=True)
    assert data['inputs'].shape == (4, 1, 2, 16, 25, 3)
    labels = torch.stack([s.gt_label for s in data['data_samples']])
    assert labels.shape == (4, 4) and labels.dtype == torch.float32
    torch.testing.assert_close(labels.sum(1), torch.ones(4))
