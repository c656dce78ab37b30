"""DetachedScheduleHook: switch epoch, stages, class counts to every
component (RepeatDataset and plain datasets), evaluation-only runs, and
resume from stage-1 and stage-2 checkpoints of a tiny real training run."""
import logging
import os.path as osp
import uuid
from types import SimpleNamespace
from typing import List

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import ClassBalancedDataset, RepeatDataset
from mmengine.hooks import Hook
from mmengine.logging import MMLogger
from mmengine.runner import (BaseLoop, IterBasedTrainLoop, Runner,
                             load_checkpoint)

import brl_mm  # noqa: F401  (compat shims + registration)
from brl_mm.datasets import LongTailPoseDataset
from brl_mm.engine import (DetachedScheduleHook, resolve_switch_epoch,
                           stage_at_epoch)
from brl_mm.models.losses import ActionAwareLoss, action_aware_class_weight
from brl_mm.testing import TINY_TRAIN_COUNTS, tiny_train_config
from mmaction.datasets import PoseDataset
from mmaction.registry import MODELS

# ------------------------------------------------------------- fakes
class FakeBlending:
    """A mixup blending as the protocol sees it (not an nn.Module)."""
    requires_class_counts = True

    def __init__(self):
        self.counts, self.stage, self.disable_in_stage2 = None, None, False

    def set_class_counts(self, counts):
        self.counts = list(counts)

    def set_stage(self, stage):
        self.stage = stage


class FakeMetric:
    requires_class_counts = True

    def __init__(self):
        self.counts = None

    def set_class_counts(self, counts):
        self.counts = list(counts)


class FakeLoop(BaseLoop):

    def __init__(self, metrics):  # no dataloader needed here
        self.evaluator = SimpleNamespace(metrics=metrics)

    def run(self):
        pass


class TinyRecognizer(torch.nn.Module):

    def __init__(self, blending=None, num_classes=4, **loss_kwargs):
        super().__init__()
        self.cls_head = torch.nn.Module()
        self.cls_head.num_classes = num_classes
        self.cls_head.loss_cls = ActionAwareLoss(**loss_kwargs)
        self.data_preprocessor = torch.nn.Module()
        self.data_preprocessor.blending = blending


def fake_runner(model,
                dataset=None,
                max_epochs=24,
                val_metrics=(),
                test_metrics=(),
                cfg=None):
    return SimpleNamespace(
        model=model,
        train_loop=object(),
        max_epochs=max_epochs,
        epoch=0,
        train_dataloader=SimpleNamespace(dataset=dataset),
        _val_loop=FakeLoop(list(val_metrics)) if val_metrics else None,
        _test_loop=FakeLoop(list(test_metrics)) if test_metrics else None,
        cfg=cfg or Config())


def lt_dataset(path, **kwargs):
    return LongTailPoseDataset(ann_file=path,
                               pipeline=[],
                               split='xsub_train',
                               **kwargs)


# -------------------------------------------------------------- switch
@pytest.mark.parametrize('switch, max_epochs, expected', [(0.8, 24, 19),
                                                          (19, 24, 19),
                                                          (0.5, 3, 1),
                                                          (0.29, 100, 29),
                                                          (130, 150, 130),
                                                          (0, 5, 0), (5, 5, 5),
                                                          (0.99, 3, 2)])
def test_switch_epoch_from_an_epoch_or_a_fraction(switch, max_epochs,
                                                  expected):
    assert resolve_switch_epoch(switch, max_epochs) == expected


@pytest.mark.parametrize('switch, error', [(1.0, ValueError),
                                           (0.0, ValueError), (-1, ValueError),
                                           (25, ValueError), (True, TypeError),
                                           ('19', TypeError)])
def test_bad_switch_epochs_are_rejected(switch, error):
    with pytest.raises(error):
        resolve_switch_epoch(switch, 24)


def test_bad_switch_epoch_fails_at_construction():
    with pytest.raises(ValueError, match='fraction'):
        DetachedScheduleHook(switch_epoch=1.5)


@pytest.mark.parametrize('switch', [19, 0.8])
def test_stage_switches_at_the_right_epoch(tiny_pickle, switch):
    """BRL: 24 epochs, stage 2 = the last 5 (0-based epochs 19..23)."""
    blending = FakeBlending()
    model = TinyRecognizer(blending)
    runner = fake_runner(model, lt_dataset(tiny_pickle['path']))
    hook = DetachedScheduleHook(switch_epoch=switch)
    hook.before_train(runner)
    assert hook.switch_at == 19
    stages = []
    for epoch in range(24):
        runner.epoch = epoch
        hook.before_train_epoch(runner)
        loss = model.cls_head.loss_cls
        assert blending.stage == loss.current_stage == float(loss.stage)
        stages.append(loss.current_stage)
        expected_weight = (action_aware_class_weight(TINY_TRAIN_COUNTS)
                           if epoch >= 19 else np.ones(4))
        np.testing.assert_allclose(loss.class_weight.numpy(),
                                   expected_weight,
                                   rtol=1e-6)
    assert stages == [1] * 19 + [2] * 5
    assert [stage_at_epoch(e, 19) for e in range(24)] == stages


def test_resumed_epoch_lands_in_the_right_stage(tiny_pickle):
    """A fresh hook (as after --resume) sets the stage from runner.epoch."""
    for resumed_epoch, stage in [(18, 1), (19, 2), (22, 2)]:
        model = TinyRecognizer()
        runner = fake_runner(model, lt_dataset(tiny_pickle['path']))
        runner.epoch = resumed_epoch
        hook = DetachedScheduleHook()
        hook.before_train(runner)
        hook.before_train_epoch(runner)
        assert model.cls_head.loss_cls.current_stage == stage


def test_legacy_loss_gets_the_epoch_within_the_stage(tiny_pickle):
    model = TinyRecognizer(legacy=True)
    runner = fake_runner(model, lt_dataset(tiny_pickle['path']), max_epochs=6)
    hook = DetachedScheduleHook(switch_epoch=2)
    hook.before_train(runner)
    loss = model.cls_head.loss_cls
    aa = action_aware_class_weight(TINY_TRAIN_COUNTS)
    seen = []
    for epoch in range(6):
        runner.epoch = epoch
        hook.before_train_epoch(runner)
        seen.append(np.allclose(loss.class_weight.numpy(), aa))
    # epochs 2 and 4 use AA weights, 3 and 5 the flipped ones
    assert seen == [False, False, True, False, True, False]


# -------------------------------------------------------- class counts
@pytest.mark.parametrize('wrap', ['plain', 'repeat', 'class_balanced'])
def test_counts_reach_every_component(tiny_pickle, wrap):
    """Counts of the underlying training set, whatever the wrapper."""
    dataset = lt_dataset(tiny_pickle['path'])
    if wrap == 'repeat':
        dataset = RepeatDataset(dataset, times=3)
    elif wrap == 'class_balanced':
        dataset = ClassBalancedDataset(dataset, oversample_thr=0.5)
    blending, val_metric, test_metric = (FakeBlending(), FakeMetric(),
                                         FakeMetric())
    model = TinyRecognizer(blending)
    runner = fake_runner(model,
                         dataset,
                         val_metrics=[val_metric],
                         test_metrics=[test_metric])
    DetachedScheduleHook().before_train(runner)
    assert blending.counts == val_metric.counts == test_metric.counts == \
        TINY_TRAIN_COUNTS
    assert model.cls_head.loss_cls.class_counts.tolist() == TINY_TRAIN_COUNTS


def test_counts_from_the_labels_of_a_stock_pose_dataset(tiny_pickle):
    """mmaction's PoseDataset has no class_counts metainfo: labels are
    counted, padded to the head's classes."""
    dataset = PoseDataset(ann_file=tiny_pickle['path'],
                          pipeline=[],
                          split='xsub_train')
    model = TinyRecognizer()
    DetachedScheduleHook().before_train(
        fake_runner(model, RepeatDataset(dataset, times=2)))
    assert model.cls_head.loss_cls.class_counts.tolist() == TINY_TRAIN_COUNTS

    # a head with more classes than the training set: a clear error
    wide = TinyRecognizer(num_classes=6)
    with pytest.raises(ValueError,
                       match=r'2 of 6 classes have no training'
                       r' sample \(class indices \[4, 5\]\)'):
        DetachedScheduleHook().before_train(fake_runner(wide, dataset))


def test_explicit_counts_override_the_dataset():
    model = TinyRecognizer()
    DetachedScheduleHook(class_counts=[3, 3, 2, 1]).before_train(
        fake_runner(model, dataset=None))
    assert model.cls_head.loss_cls.class_counts.tolist() == [3, 3, 2, 1]


def test_mixup_can_be_switched_off_in_stage_2(tiny_pickle):
    blending = FakeBlending()
    runner = fake_runner(TinyRecognizer(blending),
                         lt_dataset(tiny_pickle['path']))
    DetachedScheduleHook(disable_mix_in_stage2=True).before_train(runner)
    assert blending.disable_in_stage2 is True
    DetachedScheduleHook(disable_mix_in_stage2=False).before_train(runner)
    assert blending.disable_in_stage2 is False

    class OtherBlending:
        pass

    other = fake_runner(TinyRecognizer(OtherBlending()),
                        lt_dataset(tiny_pickle['path']))
    with pytest.raises(TypeError, match='disable_in_stage2'):
        DetachedScheduleHook(disable_mix_in_stage2=True).before_train(other)


def test_iteration_based_training_is_rejected(tiny_pickle):
    runner = fake_runner(TinyRecognizer(), lt_dataset(tiny_pickle['path']))
    runner.train_loop = object.__new__(IterBasedTrainLoop)
    with pytest.raises(TypeError, match='EpochBasedTrainLoop'):
        DetachedScheduleHook().before_train(runner)


# ------------------------------------------------- evaluation-only runs
@pytest.mark.parametrize('meta', [
    dict(class_counts=[5, 4, 2, 1]),  # written by the hook
    dict(dataset_meta=dict(class_counts=[5, 4, 2, 1])),  # older checkpoints
])
def test_test_only_run_takes_counts_from_the_checkpoint_meta(meta):
    metric = FakeMetric()
    hook = DetachedScheduleHook()
    runner = fake_runner(TinyRecognizer(), test_metrics=[metric])
    hook.after_load_checkpoint(runner, dict(meta=meta, state_dict={}))
    hook.before_test(runner)
    assert metric.counts == [5, 4, 2, 1]


def test_counts_are_written_into_every_checkpoint_meta(tiny_pickle):
    runner = fake_runner(TinyRecognizer(), lt_dataset(tiny_pickle['path']))
    hook = DetachedScheduleHook()
    hook.before_train(runner)
    checkpoint = dict(meta=dict(epoch=1))
    hook.before_save_checkpoint(runner, checkpoint)
    assert checkpoint['meta'] == dict(epoch=1, class_counts=TINY_TRAIN_COUNTS)
    # a test-only hook passes on what it loaded
    tester = DetachedScheduleHook()
    tester.after_load_checkpoint(runner, checkpoint)
    again = dict(meta={})
    tester.before_save_checkpoint(runner, again)
    assert again['meta']['class_counts'] == TINY_TRAIN_COUNTS


def test_resume_with_another_training_set_stops(tiny_pickle):
    runner = fake_runner(TinyRecognizer(), lt_dataset(tiny_pickle['path']))
    old = dict(meta=dict(class_counts=[9, 4, 2, 1]))
    hook = DetachedScheduleHook()
    hook.after_load_checkpoint(runner, old)
    runner._resume = True
    with pytest.raises(RuntimeError, match='other class counts'):
        hook.before_train(runner)
    # load_from (fine-tuning) on other data is fine: this run's counts win
    hook = DetachedScheduleHook()
    hook.after_load_checkpoint(runner, old)
    runner._resume = False
    hook.before_train(runner)
    assert hook.counts.tolist() == TINY_TRAIN_COUNTS


def test_test_only_run_without_any_counts_warns_and_goes_on(tmp_path):
    """No dataset is built inside the hook: a config's training set is not
    read (it may be absent at test time); the loss buffers are not read
    either."""
    cfg = Config(
        dict(train_dataloader=dict(dataset=dict(type='LongTailPoseDataset',
                                                ann_file=str(tmp_path /
                                                             'missing.pkl'),
                                                pipeline=[]))))
    metric = FakeMetric()
    logger = MMLogger.get_instance(f'sched_{uuid.uuid4().hex}')
    records: List[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logger.addHandler(handler)
    hook = DetachedScheduleHook()
    hook.before_test(
        fake_runner(TinyRecognizer(), test_metrics=[metric], cfg=cfg))
    logger.removeHandler(handler)
    assert metric.counts is None
    assert any(
        'no class counts' in r.getMessage() and r.levelno == logging.WARNING
        for r in records)
    # a run without any metric that needs counts is untouched
    hook.before_test(fake_runner(TinyRecognizer()))


# ------------------------------------------------ tiny real training run
class StageRecorder(Hook):
    """Records the loss state after DetachedScheduleHook (lower priority)."""

    def __init__(self):
        self.records = {}

    def _loss(self, runner):
        return runner.model.cls_head.loss_cls

    def _state(self, runner):
        loss = self._loss(runner)
        return (loss.current_stage, float(loss.stage),
                loss.class_weight.tolist(), loss.class_counts.tolist())

    def before_train(self, runner):
        self.records['before_train'] = self._state(runner)

    def before_train_epoch(self, runner):
        self.records[runner.epoch] = self._state(runner)


def train_tiny(cfg):
    runner = Runner.from_cfg(cfg)
    recorder = StageRecorder()
    runner.register_hook(recorder, priority='LOW')
    runner.train()
    return runner, recorder.records


def test_resume_from_stage_1_and_stage_2_checkpoints(tiny_pickle, tmp_path):
    """3 epochs, stage 2 from (0-based) epoch 1. Resume from the end of epoch
    0 (a stage-1 checkpoint; the next epoch switches) and of epoch 1 (a
    stage-2 one); a test-time model loads the loss state."""
    aa = action_aware_class_weight(TINY_TRAIN_COUNTS).astype(np.float32).tolist()
    ones = [1.0] * 4
    full_dir = str(tmp_path / 'full')
    _, full = train_tiny(tiny_train_config(tiny_pickle['path'], full_dir))
    assert [full[e][0] for e in range(3)] == [1, 2, 2]
    assert [full[e][2] for e in range(3)] == [ones, aa, aa]
    assert all(full[e][3] == TINY_TRAIN_COUNTS for e in range(3))

    # the checkpoints carry counts, weights and stage
    for epoch, stage, weight in [(1, 1, ones), (2, 2, aa)]:
        ckpt = torch.load(osp.join(full_dir, f'epoch_{epoch}.pth'),
                          map_location='cpu',
                          weights_only=False)
        state = {
            k.rsplit('.', 1)[1]: v
            for k, v in ckpt['state_dict'].items()
            if k.startswith('cls_head.loss_cls.')
        }
        assert state['stage'].item() == stage
        assert state['class_weight'].tolist() == weight
        assert state['class_counts'].tolist() == TINY_TRAIN_COUNTS
        assert ckpt['meta']['class_counts'] == TINY_TRAIN_COUNTS

    for ckpt_epoch, ckpt_stage in [(1, 1), (2, 2)]:
        cfg = tiny_train_config(tiny_pickle['path'],
                             str(tmp_path / f'resume{ckpt_epoch}'))
        cfg.resume = True
        cfg.load_from = osp.join(full_dir, f'epoch_{ckpt_epoch}.pth')
        _, resumed = train_tiny(cfg)
        # restored from the checkpoint before the hook's epoch start ...
        assert resumed['before_train'][0] == ckpt_stage
        assert resumed['before_train'][2] == (aa if ckpt_stage == 2 else ones)
        # ... and every resumed epoch matches the uninterrupted run
        assert sorted(k for k in resumed if k != 'before_train') == \
            list(range(ckpt_epoch, 3))
        for epoch in range(ckpt_epoch, 3):
            assert resumed[epoch] == full[epoch]

    # a model built for testing (empty loss buffers) loads the loss state
    model = MODELS.build(cfg.model)
    load_checkpoint(model,
                    osp.join(full_dir, 'epoch_2.pth'),
                    map_location='cpu')
    loss = model.cls_head.loss_cls
    assert loss.current_stage == 2
    assert loss.class_counts.tolist() == TINY_TRAIN_COUNTS
    assert loss.class_weight.tolist() == aa


def test_ranks_with_different_counts_fail_together(monkeypatch):
    """Every rank sees every rank's counts, so all raise the same error."""
    from brl_mm.engine.hooks import detached_schedule as hooks
    monkeypatch.setattr(hooks, 'get_world_size', lambda: 2)
    monkeypatch.setattr(hooks, 'all_gather_object',
                        lambda obj: [[8, 4, 2, 1], [8, 4, 2, 1]])
    np.testing.assert_array_equal(
        hooks.same_counts_on_all_ranks(np.array([8, 4, 2, 1])), TINY_TRAIN_COUNTS)
    monkeypatch.setattr(hooks, 'all_gather_object',
                        lambda obj: [[8, 4, 2, 1], [8, 4, 2, 2]])
    with pytest.raises(RuntimeError,
                       match=r'ranks \[1\].*same files on '
                       'every node'):
        hooks.same_counts_on_all_ranks(np.array([8, 4, 2, 1]))


def test_stage_log_says_what_each_component_does(tiny_pickle, monkeypatch):
    messages = []
    monkeypatch.setattr(
        'brl_mm.engine.hooks.detached_schedule.print_log',
        lambda msg, **kwargs: messages.append(msg))
    model = TinyRecognizer()
    model.cls_head.loss_cls = MODELS.build(dict(type='BalancedSoftmaxLoss'))
    runner = fake_runner(model, lt_dataset(tiny_pickle['path']), max_epochs=5)
    hook = DetachedScheduleHook(switch_epoch=1)
    hook.before_train(runner)
    hook.before_train_epoch(runner)
    out = '\n'.join(messages)
    assert ('stage 1 (representation learning); LogitAdjustedLoss: '
            'logit-adjusted cross entropy (balanced softmax at tau=1) (from '
            'the first epoch; the stage changes nothing)') in out
    assert 'class weights 1..1' not in out
