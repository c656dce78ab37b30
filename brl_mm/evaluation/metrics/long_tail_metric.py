"""LongTailMetric: the long-tail benchmark numbers as an mmaction METRIC.

Config::

    val_evaluator = [dict(type='LongTailMetric'), dict(type='AccMetric')]
    test_evaluator = [dict(type='LongTailMetric', plot=True)]
    default_hooks = dict(checkpoint=dict(save_best='lt/top1'))

Keys (fractions in [0, 1], prefix ``lt`` by default): ``lt/top1``,
``lt/top5``, ``lt/mean_class`` and, with training class counts, ``lt/many``,
``lt/medium``, ``lt/few``.
"""
import csv
import json
import logging
import os
import os.path as osp
import re
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MessageHub, MMLogger, print_log

from mmaction.registry import METRICS

from ...class_counts import validate_class_counts
from ..long_tail_accuracy import long_tail_accuracy

__all__ = ['LongTailMetric', 'resolve_out_dir']


def resolve_out_dir(out_dir: Optional[str] = None) -> Optional[str]:
    """Where per-class files go.

    Args:
        out_dir (str, optional): An explicit folder; returned as is.

    Returns:
        str | None: ``out_dir`` if given, otherwise the running mmengine
        Runner's log folder (``work_dir/<timestamp>``, where the run's log
        and ``tools/test.py``'s metrics JSON also go): the folder of the log
        file of the Runner's ``MMLogger`` (the Runner names its logger and
        its ``MessageHub`` after the experiment), else of the current
        ``MMLogger``; None when no logger writes a file (outside a Runner).
    """
    if out_dir:
        return out_dir
    loggers = []
    name = MessageHub.get_current_instance().instance_name
    if MMLogger.check_instance_created(name):
        loggers.append(MMLogger.get_instance(name))
    loggers.append(MMLogger.get_current_instance())
    for logger in loggers:
        log_file = getattr(logger, 'log_file', None)
        if log_file:
            return osp.dirname(osp.abspath(log_file))
    return None


def _label_of(gt_label: Any, num_classes: int) -> int:
    """The class of one ``gt_label``: a single index, or the argmax of a
    one-hot / soft label vector of length ``K``."""
    label = (gt_label.detach().cpu().numpy()
             if isinstance(gt_label, torch.Tensor) else np.asarray(gt_label))
    label = label.reshape(-1)
    if label.size == 1:
        return int(label[0])
    if label.size == num_classes:
        return int(label.argmax())
    raise ValueError(
        f'LongTailMetric handles single-label classification; got a '
        f'gt_label with {label.size} entries for {num_classes} classes')


@METRICS.register_module()
class LongTailMetric(BaseMetric):
    """Top-1 / top-5, mean class and many / medium / few shot accuracy.

    Per-class accuracy is ``np.bincount`` over all ``K`` classes (``K`` =
    length of ``pred_score``), not mmaction's ``mean_class_accuracy``, which
    skips classes absent from both predictions and labels. A class without
    test samples has no accuracy (NaN, listed as absent) and is left out of
    the means. The shot groups split classes by *training* count: many
    ``> many_thr``, few ``< few_thr``, medium otherwise (BRL: 100 and 20).
    Predictions are the argmax of ``pred_score``, i.e. the clip-averaged
    scores mmaction's heads produce (``average_clips='prob'`` for multi-clip
    testing), exactly what ``AccMetric`` evaluates.

    Training class counts come from (first match wins):

    1. ``class_counts=`` in the config (kept even when the hook offers
       others; a mismatch is logged);
    2. :class:`~brl_mm.engine.DetachedScheduleHook`, through brl_mm's
       protocol (``requires_class_counts = True``, ``set_class_counts``): the
       training set's counts before training, or for ``tools/test.py`` the
       tested checkpoint's;
    3. none: ``top1``, ``top5`` and ``mean_class`` only, and a warning says
       why the shot metrics are missing.

    A group without classes (e.g. no class has more than 100 samples) or
    without test samples has no key in the results (logged once).

    Everything is computed in :meth:`compute_metrics` from the results that
    ``BaseMetric.evaluate`` collected from every rank, so distributed
    evaluation gives the numbers of the whole test set (files are written by
    rank 0 only).

    Files (``save_per_class``, rank 0, overwritten at each evaluation):
    ``{prefix}_per_class.csv`` (class id, name, train count, shot group, test
    samples, correct, accuracy) and ``{prefix}_per_class.json`` (the metrics,
    thresholds, groups, epoch and the per-class rows; NaN written as null),
    plus ``{prefix}_per_class.png`` with ``plot=True`` (needs counts), in
    ``out_dir`` or, by default, the Runner's log folder
    ``work_dir/<timestamp>/`` (see :func:`resolve_out_dir`; outside a Runner
    without ``out_dir`` nothing is written and a warning says so).

    Args:
        class_counts (Sequence[int], optional): Training samples per class.
        many_thr (int): Many-shot classes have more training samples than
            this. Defaults to 100.
        few_thr (int): Few-shot classes have fewer. Defaults to 20.
        out_dir (str, optional): Folder for the per-class files. Defaults to
            the Runner's log folder.
        save_per_class (bool): Write the CSV / JSON files. Defaults to True.
        plot (bool): Also write the per-class PNG. Defaults to False.
        collect_device (str): ``'cpu'`` or ``'gpu'``, how results of the
            ranks are gathered. Defaults to ``'cpu'``.
        prefix (str, optional): Key prefix. Defaults to ``'lt'``.
        collect_dir (str, optional): Shared folder for CPU collection.
    """

    default_prefix: Optional[str] = 'lt'
    requires_class_counts = True

    def __init__(self,
                 class_counts: Optional[Sequence[int]] = None,
                 many_thr: int = 100,
                 few_thr: int = 20,
                 out_dir: Optional[str] = None,
                 save_per_class: bool = True,
                 plot: bool = False,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(
            collect_device=collect_device,
            prefix=prefix,
            collect_dir=collect_dir)
        if few_thr > many_thr + 1:
            raise ValueError(f'LongTailMetric: few_thr ({few_thr}) must not '
                             f'exceed many_thr + 1 ({many_thr + 1})')
        self._configured = class_counts is not None
        self.class_counts: Optional[np.ndarray] = None
        if class_counts is not None:
            self.class_counts = self._check_counts(class_counts)
        self.many_thr = many_thr
        self.few_thr = few_thr
        self.out_dir = out_dir
        self.save_per_class = save_per_class
        self.plot = plot
        self._warned = set()

    # ------------------------------------------------------------ protocol
    @staticmethod
    def _check_counts(counts: Sequence[int]) -> np.ndarray:
        # a class without training samples is still evaluated (few-shot)
        return validate_class_counts(
            counts, 'LongTailMetric', allow_empty_classes=True)

    def set_class_counts(self, counts: Sequence[int]) -> None:
        """Receive the training class counts (brl_mm's count protocol).

        Args:
            counts (Sequence[int]): Training samples per class.
        """
        counts = self._check_counts(counts)
        if self._configured:
            if not np.array_equal(counts, self.class_counts):
                print_log(
                    'LongTailMetric: keeping the configured class_counts '
                    f'({self.class_counts.size} classes, '
                    f'{int(self.class_counts.sum())} samples); the training '
                    f'set has other counts ({counts.size} classes, '
                    f'{int(counts.sum())} samples). Remove class_counts from '
                    'the metric config to use the training set.',
                    logger='current',
                    level=logging.WARNING)
            return
        self.class_counts = counts

    # ----------------------------------------------------------- per batch
    def process(self, data_batch: Any, data_samples: Sequence[Dict]) -> None:
        """Keep the clip-averaged class scores and the label of every sample.

        Args:
            data_batch (Any): A batch from the dataloader (unused).
            data_samples (Sequence[dict]): The model outputs, with
                ``pred_score`` (K,) and ``gt_label``.
        """
        for sample in data_samples:
            score = sample['pred_score']
            if isinstance(score, dict):
                raise TypeError(
                    'LongTailMetric needs one pred_score per sample; got a '
                    f'dict of scores ({list(score)}), e.g. RGBPoseConv3D. '
                    'Use AccMetric for multi-modality heads.')
            if isinstance(score, torch.Tensor):
                score = score.detach().float().cpu().numpy()
            score = np.asarray(score, dtype=np.float32).reshape(-1)
            result = dict(
                pred=score, label=_label_of(sample['gt_label'], score.size))
            self.results.append(result)

    # ------------------------------------------------------------ at the end
    def compute_metrics(self, results: List[Dict]) -> Dict[str, float]:
        """Compute the metrics from the results of all ranks.

        Args:
            results (list[dict]): ``{'pred': (K,) scores, 'label': int}``
                per sample, collected over ranks.

        Returns:
            dict: ``top1``, ``top5``, ``mean_class`` and, with counts, the
            non-empty ones of ``many``, ``medium``, ``few`` (fractions).
        """
        scores = np.stack([r['pred'] for r in results])
        labels = np.array([r['label'] for r in results], dtype=np.int64)
        num_classes = scores.shape[1]
        if labels.min() < 0 or labels.max() >= num_classes:
            raise ValueError(f'LongTailMetric: labels must be in [0, '
                             f'{num_classes}) for {num_classes}-class scores,'
                             f' got {labels.min()}..{labels.max()}')
        counts = self.class_counts
        if counts is not None and counts.size != num_classes:
            raise ValueError(
                f'LongTailMetric: {counts.size} training class counts for '
                f'{num_classes}-class scores; the counts must come from the '
                'same label space as the model (check num_classes and the '
                'class_counts given to the metric or hook).')
        summary = long_tail_accuracy(scores, labels, counts, self.many_thr,
                                     self.few_thr)
        metrics = OrderedDict(
            top1=summary['top1'],
            top5=summary['top5'],
            mean_class=summary['mean_class'])
        if counts is None:
            self._warn_once(
                'no_counts',
                'LongTailMetric: no training class counts, so lt/many, '
                'lt/medium and lt/few are not reported. Add '
                "dict(type='DetachedScheduleHook') to custom_hooks (it reads "
                'the training set, or the checkpoint / config at test time) '
                'or give class_counts=[...] to the metric.')
        else:
            skipped = []
            for name in ('many', 'medium', 'few'):
                value = summary[name]
                if np.isfinite(value):
                    metrics[name] = value
                else:
                    skipped.append(f'{name} ({len(summary["groups"][name])} '
                                   'classes)')
            if skipped:
                self._warn_once(
                    'empty_groups',
                    'LongTailMetric: no accuracy for the shot groups '
                    f'{", ".join(skipped)}: no class of the group has test '
                    f'samples (thresholds many > {self.many_thr}, few < '
                    f'{self.few_thr} training samples)',
                    level=logging.INFO)
        if summary['absent_classes']:
            self._warn_once(
                'absent',
                f'LongTailMetric: {len(summary["absent_classes"])} of '
                f'{num_classes} classes have no test sample and are left out '
                f'of the class means: {summary["absent_classes"][:10]}',
                level=logging.INFO)
        if self.save_per_class or self.plot:
            self._write_files(scores, labels, summary, metrics)
        return metrics

    # ---------------------------------------------------------- internals
    def _warn_once(self, key: str, message: str,
                   level: int = logging.WARNING) -> None:
        if key not in self._warned:
            self._warned.add(key)
            print_log(message, logger='current', level=level)

    def _file_stem(self) -> str:
        name = re.sub(r'[^A-Za-z0-9_.-]+', '_', self.prefix or 'lt')
        return f'{name}_per_class'

    def per_class_rows(self, scores: np.ndarray, labels: np.ndarray,
                       summary: Dict[str, Any]) -> List[Dict[str, Any]]:
        """One row per class: id, name, train count, shot group, test
        samples, correct predictions and accuracy (None without test
        samples)."""
        num_classes = scores.shape[1]
        pred = scores.argmax(axis=1)
        total = np.bincount(labels, minlength=num_classes)
        correct = np.bincount(labels[pred == labels], minlength=num_classes)
        names = (self.dataset_meta or {}).get('classes')
        if names is None or len(names) != num_classes:
            names = [''] * num_classes
        shot = [''] * num_classes
        for group, ids in (summary.get('groups') or {}).items():
            for c in ids:
                shot[c] = group
        counts = self.class_counts
        rows = []
        for c in range(num_classes):
            acc = summary['per_class'][c]
            rows.append(
                OrderedDict(
                    class_id=c,
                    class_name=str(names[c]),
                    train_count=None if counts is None else int(counts[c]),
                    shot=shot[c],
                    test_samples=int(total[c]),
                    correct=int(correct[c]),
                    accuracy=None if np.isnan(acc) else float(acc)))
        return rows

    def _write_files(self, scores: np.ndarray, labels: np.ndarray,
                     summary: Dict[str, Any], metrics: Dict[str,
                                                            float]) -> None:
        out_dir = resolve_out_dir(self.out_dir)
        if out_dir is None:
            self._warn_once(
                'no_out_dir',
                'LongTailMetric: not inside an mmengine Runner, so no folder '
                'for the per-class files; give out_dir= to write them.')
            return
        os.makedirs(out_dir, exist_ok=True)
        stem = osp.join(out_dir, self._file_stem())
        rows = self.per_class_rows(scores, labels, summary)
        hub = MessageHub.get_current_instance()
        epoch = hub.get_info('epoch')
        written = []
        if self.save_per_class:
            with open(f'{stem}.csv', 'w', newline='') as f:
                writer = csv.DictWriter(f, fieldnames=list(rows[0]))
                writer.writeheader()
                for row in rows:
                    writer.writerow({
                        k: '' if v is None else
                        (f'{v:.6f}' if isinstance(v, float) else v)
                        for k, v in row.items()
                    })
            report = OrderedDict(
                metrics={k: float(v)
                         for k, v in metrics.items()},
                prefix=self.prefix,
                num_classes=int(scores.shape[1]),
                num_samples=int(labels.size),
                many_thr=self.many_thr,
                few_thr=self.few_thr,
                epoch=epoch,
                iter=hub.get_info('iter'),
                absent_classes=summary['absent_classes'],
                groups=summary.get('groups'),
                per_class=rows)
            with open(f'{stem}.json', 'w') as f:
                json.dump(report, f, indent=1)
            written += [f'{stem}.csv', f'{stem}.json']
        if self.plot:
            if self.class_counts is None:
                self._warn_once(
                    'no_plot', 'LongTailMetric: plot=True needs training '
                    'class counts for its x axis; no plot written.')
            else:
                from ..plots import plot_per_class_accuracy
                plot_per_class_accuracy(
                    {'model': summary['per_class']},
                    self.class_counts,
                    f'{stem}.png',
                    many_thr=self.many_thr,
                    few_thr=self.few_thr,
                    title='Per-class accuracy vs. training samples' +
                    (f' (epoch {epoch})' if epoch else ''))
                written.append(f'{stem}.png')
        if written:
            print_log(
                'LongTailMetric: per-class accuracy written to '
                f'{", ".join(written)}',
                logger='current')
