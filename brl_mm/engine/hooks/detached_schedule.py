"""DetachedScheduleHook: BRL's two-stage (DAA) schedule the mmengine way.

It drives brl_mm's class-count / stage protocol (:mod:`brl_mm.class_counts`):

* a component that needs the per-class counts of the training set declares
  ``requires_class_counts = True`` and has ``set_class_counts(counts)``;
* a component with two-stage behaviour has ``set_stage(stage)`` (1 or 2) and,
  optionally, ``set_stage_epoch(epoch_in_stage)`` (0-based epoch within the
  current stage; the action-aware loss's ``legacy`` mode reads it) and
  ``describe_stage(stage)`` (what it does in that stage, for the log).

Components are searched in the (unwrapped) model's modules, in
``model.data_preprocessor.blending`` (the mixup; not an ``nn.Module``) and in
the metrics of the built validation / test evaluators. The counts travel in
every checkpoint's ``meta['class_counts']``, so a test-only run gets them
from the checkpoint it tests.
"""
import logging
import math
from typing import Any, Iterable, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.dist import all_gather_object, get_world_size
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import BaseLoop, IterBasedTrainLoop

from mmaction.registry import HOOKS

from ...class_counts import has_stage, needs_class_counts
from ...datasets.dataset_utils import dataset_class_counts

__all__ = [
    'DetachedScheduleHook', 'checkpoint_class_counts', 'resolve_switch_epoch',
    'same_counts_on_all_ranks', 'stage_at_epoch'
]

SwitchEpoch = Union[int, float]


def resolve_switch_epoch(switch_epoch: SwitchEpoch, max_epochs: int) -> int:
    """The first (0-based) epoch of stage 2.

    Args:
        switch_epoch (int | float): An epoch index (int, ``0 <= s <=
            max_epochs``; ``max_epochs`` means stage 2 is never reached) or a
            fraction of training in ``(0, 1)``, giving
            ``floor(fraction * max_epochs)`` (0.8 of 24 epochs: epoch 19, so
            stage 2 covers the last 5 epochs as in BRL).
        max_epochs (int): Epochs of the training run.

    Returns:
        int: The switch epoch ``s``; epochs ``e >= s`` are stage 2.
    """
    if isinstance(switch_epoch,
                  bool) or not isinstance(switch_epoch, (int, float)):
        raise TypeError('switch_epoch must be an epoch (int) or a fraction '
                        f'of max_epochs (float), got {switch_epoch!r}')
    if isinstance(switch_epoch, float):
        if not 0.0 < switch_epoch < 1.0:
            raise ValueError(
                'a float switch_epoch is a fraction of max_epochs and must be '
                f'in (0, 1), got {switch_epoch}; give an int for an epoch')
        # The epsilon keeps e.g. 0.29 * 100 = 28.999999999999996 at 29.
        return int(math.floor(switch_epoch * max_epochs + 1e-9))
    if not 0 <= switch_epoch <= max_epochs:
        raise ValueError(f'switch_epoch {switch_epoch} is outside [0, '
                         f'max_epochs={max_epochs}]')
    return int(switch_epoch)


def stage_at_epoch(epoch: int, switch_at: int) -> int:
    """Stage (1 or 2) of the 0-based ``epoch`` for stage 2 from
    ``switch_at``."""
    return 2 if epoch >= switch_at else 1


def _unwrap_model(runner) -> torch.nn.Module:
    model = runner.model
    return model.module if is_model_wrapper(model) else model


def _blending_of(model: torch.nn.Module) -> Optional[Any]:
    preprocessor = getattr(model, 'data_preprocessor', None)
    return getattr(preprocessor, 'blending', None)


def _built_loop(runner, name: str) -> Optional[BaseLoop]:
    """The runner's ``name`` loop if it is built (never builds it)."""
    loop = getattr(runner, f'_{name}_loop', None)
    return loop if isinstance(loop, BaseLoop) else None


def _evaluator_metrics(runner, loop_name: str) -> List[Any]:
    loop = _built_loop(runner, loop_name)
    evaluator = getattr(loop, 'evaluator', None)
    return list(getattr(evaluator, 'metrics', None) or [])


def _unique(objects: Iterable[Any]) -> List[Any]:
    seen, result = set(), []
    for obj in objects:
        if obj is not None and id(obj) not in seen:
            seen.add(id(obj))
            result.append(obj)
    return result


def checkpoint_class_counts(checkpoint: dict) -> Optional[np.ndarray]:
    """The training class counts a checkpoint carries, if any.

    ``meta['class_counts']`` (written by :class:`DetachedScheduleHook`) or,
    for checkpoints written before it did, ``meta['dataset_meta']
    ['class_counts']`` (the training dataset's metainfo, which mmengine's
    Runner saves and :class:`~brl_mm.datasets.LongTailPoseDataset` fills).

    Args:
        checkpoint (dict): A loaded checkpoint.

    Returns:
        np.ndarray | None: The counts (int64), or None.
    """
    meta = checkpoint.get('meta') if isinstance(checkpoint, dict) else None
    if not isinstance(meta, dict):
        return None
    counts = meta.get('class_counts')
    if counts is None:
        counts = (meta.get('dataset_meta') or {}).get('class_counts')
    return None if counts is None else np.asarray(counts, dtype=np.int64)


def _name(obj: Any) -> str:
    return type(obj).__name__


def same_counts_on_all_ranks(counts: np.ndarray) -> np.ndarray:
    """Check that every rank computed the same class counts.

    Every rank receives every rank's counts, so on a mismatch all ranks raise
    the same error (no rank is left waiting in a collective).

    Args:
        counts (np.ndarray): This rank's per-class counts.

    Returns:
        np.ndarray: The counts (int64), identical on every rank.
    """
    counts = np.asarray(counts, dtype=np.int64)
    if get_world_size() <= 1:
        return counts
    gathered = all_gather_object(counts.tolist())
    differing = [rank for rank, c in enumerate(gathered) if c != gathered[0]]
    if differing:
        raise RuntimeError(
            f'ranks {differing} found other training class counts than rank '
            f'0 ({len(gathered[0])} classes, {sum(gathered[0])} samples on '
            'rank 0). Every process must read the same training set: check '
            'that ann_file, the split and the long-tail list are the same '
            'files on every node.')
    return np.asarray(gathered[0], dtype=np.int64)


@HOOKS.register_module()
class DetachedScheduleHook(Hook):
    """BRL's Detached Action-Aware (DAA) schedule: class counts to the
    components that need them, and the two-stage switch.

    * ``before_train``: counts the samples per class of the actual training
      set (``RepeatDataset`` and other wrappers unwrapped; from
      ``metainfo['class_counts']`` or the labels), checks that every rank has
      the same counts and hands them to every component with
      ``requires_class_counts`` (the loss inside the head, the mixup
      blending, the long-tail metrics of the built evaluators).
    * ``before_train_epoch``: stage 2 if ``runner.epoch >= s`` else 1, set on
      every component with ``set_stage`` (the loss, the blending, ...).
      Recomputed at every epoch from ``runner.epoch``, which ``--resume``
      restores first, so resuming lands in the right stage. The switch and
      the class-weight range are logged once.
    * ``before_save_checkpoint``: the counts go into the checkpoint's
      ``meta['class_counts']``; ``after_load_checkpoint`` reads them back
      (``--resume`` with another training set stops with an error).
    * ``before_val`` / ``before_test`` of a run without training
      (``tools/test.py``): counts for the metrics from ``class_counts``, else
      from the loaded checkpoint's meta; without any, the metrics keep their
      own behaviour and a warning is logged. No dataset is built here.

    Args:
        switch_epoch (int | float): First epoch of stage 2: an epoch index
            (0-based) or a fraction of ``max_epochs`` in ``(0, 1)``
            (``floor(fraction * max_epochs)``). Defaults to 0.8: epoch 19 of
            24, BRL's schedule (stage 2 = the last 5 epochs). The original
            K400 schedule is ``switch_epoch=130`` of 150 epochs.
        disable_mix_in_stage2 (bool, optional): Set the blending's own
            ``disable_in_stage2`` flag (the blending decides, in its
            ``set_stage``, whether to mix in stage 2). ``None`` leaves the
            blending's setting alone. Defaults to None.
        class_counts (Sequence[int], optional): Use these counts instead of
            reading the training set (e.g. for evaluation-only runs without
            the training data).
    """

    priority = 'NORMAL'

    def __init__(self,
                 switch_epoch: SwitchEpoch = 0.8,
                 disable_mix_in_stage2: Optional[bool] = None,
                 class_counts: Optional[Sequence[int]] = None) -> None:
        resolve_switch_epoch(switch_epoch, max_epochs=1 << 30)  # type check
        self.switch_epoch = switch_epoch
        self.disable_mix_in_stage2 = disable_mix_in_stage2
        self.class_counts = (None if class_counts is None else np.asarray(
            class_counts, dtype=np.int64))
        self.switch_at: Optional[int] = None
        self.counts: Optional[np.ndarray] = None
        self._last_stage: Optional[int] = None
        self._served_ids: set = set()
        self._warned_no_eval_counts = False
        self._checkpoint_counts: Optional[np.ndarray] = None

    # ----------------------------------------------------------- training
    def before_train(self, runner) -> None:
        """Read the training counts and hand them out; resolve the switch."""
        if isinstance(runner.train_loop, IterBasedTrainLoop):
            raise TypeError(
                'DetachedScheduleHook switches stages by epoch: use an '
                'EpochBasedTrainLoop (train_cfg=dict(by_epoch=True, '
                'max_epochs=...)).')
        self.switch_at = resolve_switch_epoch(self.switch_epoch,
                                              runner.max_epochs)
        counts = self._training_counts(runner)
        self.counts = same_counts_on_all_ranks(counts)
        self._check_resumed_counts(runner)

        model = _unwrap_model(runner)
        self._configure_blending(model)
        components = _unique(
            self._model_components(model) + _evaluator_metrics(runner, 'val') +
            _evaluator_metrics(runner, 'test'))
        served = self._hand_out_counts(components, self.counts)
        if not served:
            print_log(
                'DetachedScheduleHook: no component asks for class counts '
                '(requires_class_counts); did you set cls_head.loss_cls to '
                "e.g. dict(type='ActionAwareLoss')?",
                logger='current',
                level=logging.WARNING)
        never = ' (stage 2 is never reached)' if (self.switch_at
                                                  >= runner.max_epochs) else ''
        print_log(
            f'DetachedScheduleHook: training class counts of '
            f'{self.counts.size} classes ({int(self.counts.sum())} samples, '
            f'{int(self.counts.max())}..{int(self.counts.min())} per class) '
            f'-> {", ".join(sorted(set(map(_name, served)))) or "nobody"}; '
            f'stage 2 from epoch {self.switch_at + 1} of '
            f'{runner.max_epochs} (0-based {self.switch_at}){never}',
            logger='current')

    def before_train_epoch(self, runner) -> None:
        """Set the stage of every two-stage component from the epoch."""
        if self.switch_at is None:  # before_train did not run
            self.switch_at = resolve_switch_epoch(self.switch_epoch,
                                                  runner.max_epochs)
        epoch = runner.epoch
        stage = stage_at_epoch(epoch, self.switch_at)
        epoch_in_stage = epoch - self.switch_at if stage == 2 else epoch
        model = _unwrap_model(runner)
        components = self._model_components(model)
        for component in components:
            if has_stage(component):
                component.set_stage(stage)
            if callable(getattr(component, 'set_stage_epoch', None)):
                component.set_stage_epoch(epoch_in_stage)
        if stage != self._last_stage:
            self._log_stage(epoch, stage, components)
            self._last_stage = stage

    # -------------------------------------------------------- checkpoints
    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Write the training class counts into ``checkpoint['meta']``."""
        counts = self.counts if self.counts is not None else \
            self._checkpoint_counts
        if counts is not None:
            checkpoint.setdefault('meta', {})['class_counts'] = [
                int(c) for c in counts
            ]

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Keep the class counts of a loaded checkpoint (for a test-only
        run's metrics, and to check a resumed run's training set)."""
        self._checkpoint_counts = checkpoint_class_counts(checkpoint)

    # --------------------------------------------------------- evaluation
    def before_val(self, runner) -> None:
        """Give counts to the validation metrics of an evaluation-only run."""
        self._serve_evaluation_metrics(runner, 'val')

    def before_test(self, runner) -> None:
        """Give counts to the test metrics of an evaluation-only run."""
        self._serve_evaluation_metrics(runner, 'test')

    # ----------------------------------------------------------- internals
    def _model_components(self, model: torch.nn.Module) -> List[Any]:
        return _unique(list(model.modules()) + [_blending_of(model)])

    def _check_resumed_counts(self, runner) -> None:
        stored = self._checkpoint_counts
        if stored is None or np.array_equal(stored, self.counts):
            return
        what = (f'{stored.size} classes, {int(stored.sum())} samples in the '
                f'checkpoint; {self.counts.size} classes, '
                f'{int(self.counts.sum())} samples now')
        if getattr(runner, '_resume', False):
            raise RuntimeError(
                'DetachedScheduleHook: the resumed checkpoint was trained on '
                f'other class counts ({what}). Resume with the training set '
                'of that run (same ann_file, split and long-tail list), or '
                'start a new run with load_from= instead of --resume.')
        print_log(
            'DetachedScheduleHook: the loaded checkpoint was trained on other '
            f'class counts ({what}); this run uses the counts of its own '
            'training set.', logger='current')

    def _training_counts(self, runner) -> np.ndarray:
        if self.class_counts is not None:
            return self.class_counts
        dataset = runner.train_dataloader.dataset
        if callable(getattr(dataset, 'full_init', None)):
            dataset.full_init()
        return dataset_class_counts(
            dataset, self._num_classes(dataset, _unwrap_model(runner)))

    @staticmethod
    def _num_classes(dataset, model: torch.nn.Module) -> Optional[int]:
        meta = getattr(dataset, 'metainfo', None) or {}
        if meta.get('num_classes') is not None:
            return int(meta['num_classes'])
        head_classes = getattr(getattr(model, 'cls_head', None), 'num_classes',
                               None)
        return int(head_classes) if head_classes is not None else None

    def _configure_blending(self, model: torch.nn.Module) -> None:
        if self.disable_mix_in_stage2 is None:
            return
        blending = _blending_of(model)
        if blending is None:
            print_log(
                'DetachedScheduleHook: disable_mix_in_stage2 is set but the '
                'model has no data_preprocessor.blending; ignored.',
                logger='current',
                level=logging.WARNING)
            return
        if not hasattr(blending, 'disable_in_stage2'):
            raise TypeError(
                f'disable_mix_in_stage2 needs a blending with a '
                f'disable_in_stage2 attribute (brl_mm\'s mixup); '
                f'{_name(blending)} has none. Remove disable_mix_in_stage2 '
                'from the hook config.')
        blending.disable_in_stage2 = bool(self.disable_mix_in_stage2)

    def _hand_out_counts(self, components: Iterable[Any],
                         counts: np.ndarray) -> List[Any]:
        served = []
        for component in components:
            if needs_class_counts(component):
                component.set_class_counts(counts.copy())
                served.append(component)
                self._served_ids.add(id(component))
        return served

    def _log_stage(self, epoch: int, stage: int,
                   components: Sequence[Any]) -> None:
        doings = []
        for component in components:
            if not has_stage(component):
                continue
            describe = getattr(component, 'describe_stage', None)
            doing = describe(stage) if callable(describe) else None
            doings.append(f'{_name(component)}: {doing}' if doing else
                          f'{_name(component)}: stage {stage} set')
        purpose = ('tail emphasis'
                   if stage == 2 else 'representation learning')
        message = (f'DetachedScheduleHook: epoch {epoch + 1} (0-based '
                   f'{epoch}) is in stage {stage} ({purpose}); '
                   + ('; '.join(doings) or 'no component has stages'))
        print_log(message, logger='current')

    def _serve_evaluation_metrics(self, runner, loop_name: str) -> None:
        metrics = [
            m for m in _evaluator_metrics(runner, loop_name)
            if needs_class_counts(m) and id(m) not in self._served_ids
        ]
        if not metrics:
            return
        counts = self.counts
        if counts is None:
            counts = self._evaluation_counts(runner)
            if counts is None:
                return
            counts = same_counts_on_all_ranks(counts)
            self.counts = counts
        self._hand_out_counts(metrics, counts)

    def _evaluation_counts(self, runner) -> Optional[np.ndarray]:
        if self.class_counts is not None:
            return self.class_counts
        if self._checkpoint_counts is not None:
            print_log(
                'DetachedScheduleHook: class counts for the metrics from the '
                "checkpoint's meta", logger='current')
            return self._checkpoint_counts
        if not self._warned_no_eval_counts:
            self._warned_no_eval_counts = True
            print_log(
                'DetachedScheduleHook: no class counts for the metrics that '
                'need them (the checkpoint carries none: it was not trained '
                'with brl_mm, or no checkpoint was loaded). Pass '
                'custom_hooks=[dict(type=\'DetachedScheduleHook\', '
                'class_counts=[...])] or LongTailMetric(class_counts=[...]).',
                logger='current',
                level=logging.WARNING)
        return None
