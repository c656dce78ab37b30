"""Stop training on a non-finite loss before a NaN checkpoint is written.

Cost: mmengine's ``RuntimeInfoHook`` (priority ``VERY_HIGH``) already turns
the iteration's loss into a Python float for the message hub (one
device-to-host sync per iteration that every mmengine run pays).
:class:`NonFiniteLossHook` runs after it and reads that float, so the check
adds no sync. Only when the hub holds no loss (a custom runtime without
``RuntimeInfoHook``) does it fall back to ``torch.isfinite(loss)``, one sync
per checked iteration; ``interval`` then trades detection latency for syncs
(a NaN loss makes the weights NaN, so every later loss is NaN too and the
next check, at the latest the one at the epoch's end, catches it).
"""
import glob
import logging
import math
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence

import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log

from mmaction.registry import HOOKS

__all__ = ['NonFiniteLossError', 'NonFiniteLossHook']


class NonFiniteLossError(FloatingPointError):
    """The training loss became NaN or infinite."""


def _batch_sample_ids(data_batch: Any, limit: int = 16) -> List[str]:
    """``frame_dir`` (or ``filename``) of the samples of a data batch."""
    samples = (data_batch.get('data_samples')
               if isinstance(data_batch, dict) else None) or []
    ids = []
    for sample in samples:
        meta = getattr(sample, 'metainfo', None) or {}
        sid = meta.get('frame_dir', meta.get('filename'))
        ids.append('?' if sid is None else str(sid))
    if all(sid == '?' for sid in ids):
        return []  # the pipeline does not pack frame_dir
    return ids[:limit] + ([f'... ({len(ids)} in all)']
                          if len(ids) > limit else [])


def _last_checkpoint(work_dir: Optional[str]) -> Optional[str]:
    """The checkpoint that mmengine's ``last_checkpoint`` file names, else
    the newest ``*.pth`` in the work dir."""
    if not work_dir:
        return None
    pointer = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(pointer):
        with open(pointer, encoding='utf-8') as f:
            path = f.read().strip()
        if path:
            return path
    found = glob.glob(osp.join(work_dir, '*.pth'))
    return max(found, key=osp.getmtime) if found else None


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Raise :class:`NonFiniteLossError` when the training loss is NaN/inf.

    The error names the iteration and epoch, the non-finite loss terms, the
    sample ids (``frame_dir``; add ``PackActionInputs(meta_keys=
    ('frame_dir',))`` to the train pipeline to get them) and the last good
    checkpoint to resume from. It runs in ``after_train_iter`` and
    ``after_train_epoch`` with priority ``ABOVE_NORMAL``: before mmengine's
    ``CheckpointHook`` (``VERY_LOW``), so the step that produced the NaN never
    reaches a checkpoint, and after ``RuntimeInfoHook`` (``VERY_HIGH``),
    whose already-synced loss it reads.

    Args:
        interval (int): Check every ``interval`` iterations (and always at
            the end of an epoch). Defaults to 1.
        loss_key (str): Key of the total loss in the model's outputs.
            Defaults to ``'loss'``.
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, interval: int = 1, loss_key: str = 'loss') -> None:
        if isinstance(interval, bool) or not isinstance(interval,
                                                        int) or interval < 1:
            raise ValueError(f'interval must be an int >= 1, got {interval!r}')
        self.interval = interval
        self.loss_key = loss_key
        self._last_batch: Any = None
        self._last_outputs: Optional[Dict] = None
        self._last_iter = 0

    # -------------------------------------------------------------- hooks
    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Any = None,
                         outputs: Optional[Dict] = None) -> None:
        """Check the loss of this iteration (every ``interval``)."""
        self._last_batch, self._last_outputs = data_batch, outputs
        self._last_iter = runner.iter + 1  # 1-based; the loop counts later
        if self.every_n_train_iters(runner, self.interval):
            self._check(runner, data_batch, outputs)

    def after_train_epoch(self, runner) -> None:
        """Check the epoch's last loss before its checkpoint is written."""
        if self._last_outputs is not None or self._last_batch is not None:
            self._check(runner, self._last_batch, self._last_outputs)

    # ----------------------------------------------------------- internals
    def _loss_value(self, runner, outputs: Optional[Dict]) -> Optional[float]:
        hub = runner.message_hub
        scalars = getattr(hub, 'log_scalars', {})
        history = scalars.get(f'train/{self.loss_key}')
        if history is not None and len(history.data[0]):
            return float(history.current())
        loss = (outputs or {}).get(self.loss_key)
        if isinstance(loss, torch.Tensor):
            return 0.0 if bool(torch.isfinite(loss).all()) else math.nan
        return None if loss is None else float(loss)

    def _check(self, runner, data_batch: Any,
               outputs: Optional[Dict]) -> None:
        value = self._loss_value(runner, outputs)
        if value is None or math.isfinite(value):
            return
        terms = self._non_finite_terms(outputs)
        ids = _batch_sample_ids(data_batch)
        last = _last_checkpoint(getattr(runner, 'work_dir', None))
        where = ', '.join(ids) if ids else (
            "unknown (add meta_keys=('frame_dir',) to PackActionInputs)")
        message = (
            f'non-finite training loss ({self.loss_key}={value}'
            f'{"; " + ", ".join(terms) if terms else ""}) at iteration '
            f'{self._last_iter} (epoch {runner.epoch + 1}). Samples of the '
            f'batch: {where}. Training stopped before any checkpoint '
            'with these weights was written; ' +
            (f'the last good checkpoint is {last} (resume with --resume '
             f'{last} after lowering the lr, enabling grad clipping or '
             'fixing the samples above).' if last else
             'no checkpoint was written yet.'))
        print_log(message, logger='current', level=logging.ERROR)
        raise NonFiniteLossError(message)

    @staticmethod
    def _non_finite_terms(outputs: Optional[Dict]) -> Sequence[str]:
        terms = []
        for key, value in (outputs or {}).items():
            if isinstance(value, torch.Tensor) and value.numel() and \
                    value.is_floating_point() and \
                    not bool(torch.isfinite(value).all()):
                terms.append(f'{key}={value.detach().float().mean().item()}')
        return terms
