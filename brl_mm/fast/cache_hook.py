"""Fill the normalization cache before the train loader forks its workers.

``CachedPreNormalize3D`` keeps its per-sample results in a per-process
memory cache. The BRL dataset configs restart the loader workers every epoch
(``persistent_workers=False``, for exact resume), so a cache filled inside a
worker dies with it and every epoch starts cold (about 3x the per-sample cost
of a hit). :class:`WarmNormalizeCacheHook` computes the normalization of
every training sample once, in the main process, before the first epoch:
workers are forked from it (``mp_start_method='fork'``, the configs'
default), so they inherit the filled cache, in every epoch, on every rank,
with no worker ever computing a sample again. The cache is read-only in the
workers, so the pages stay shared (copy-on-write) between them.

It only changes where the (bit-identical) normalization is computed, never
what a worker returns, and it consumes no random numbers.
"""
import logging
import time
from typing import Any, Iterator, Optional

from mmengine.hooks import Hook
from mmengine.logging import print_log

from mmaction.registry import HOOKS
from ..datasets.dataset_utils import unwrap_dataset
from .normalize import CachedPreNormalize3D

__all__ = ['WarmNormalizeCacheHook', 'warm_normalize_cache']


def _leaf_datasets(dataset: Any) -> Iterator[Any]:
    """The datasets that own a pipeline, through mmengine's wrappers
    (:func:`~brl_mm.datasets.unwrap_dataset`, and the parts of a
    ``ConcatDataset``)."""
    inner = unwrap_dataset(dataset)
    parts = getattr(inner, 'datasets', None)
    if parts is None:
        yield inner
    else:
        for part in parts:
            yield from _leaf_datasets(part)


def warm_normalize_cache(dataset: Any,
                         memory_cache_mb: Optional[float] = None) -> list:
    """Precompute ``CachedPreNormalize3D`` for every sample of ``dataset``.

    Only a ``CachedPreNormalize3D`` that is the *first* transform of a
    pipeline is warmed: its input is then the raw sample
    (``dataset.get_data_info(i)``), exactly what a worker will pass it.

    Args:
        dataset: A dataset with ``pipeline`` and ``get_data_info``, or an
            mmengine wrapper of such datasets.
        memory_cache_mb (float, optional): Set the transform's memory cache
            budget to this many MB first (None keeps it).

    Returns:
        list[dict]: One :meth:`CachedPreNormalize3D.precompute` report per
        warmed dataset, plus ``dataset`` (its class name) and ``seconds``.
    """
    reports = []
    for leaf in _leaf_datasets(dataset):
        transforms = getattr(getattr(leaf, 'pipeline', None), 'transforms',
                             None) or []
        if not transforms or not isinstance(transforms[0],
                                            CachedPreNormalize3D):
            continue
        transform = transforms[0]
        if memory_cache_mb is not None:
            transform.resize_memory_cache(memory_cache_mb)
        start = time.perf_counter()
        report = transform.precompute(
            leaf.get_data_info(i) for i in range(len(leaf)))
        report.update(
            dataset=type(leaf).__name__,
            seconds=time.perf_counter() - start,
            memory_cache_mb=transform.memory_cache_mb)
        reports.append(report)
    return reports


@HOOKS.register_module()
class WarmNormalizeCacheHook(Hook):
    """Precompute the train pipeline's ``CachedPreNormalize3D`` for every
    training sample in the main process, before the loader workers fork.

    Costs one normalization per sample once (about 2 ms each on one CPU
    core; 16 s for NTU60-LT's 7,892 samples) and the memory of the
    normalized keypoints (float64); saves the per-epoch cold start of every
    worker. With ``num_workers=0`` it only moves that work before the first
    epoch.

    Args:
        memory_cache_mb (float, optional): Memory cache budget (MB) given to
            the warmed transforms, which must hold the whole training set
            for the warm-up to pay off (a warning says when it does not).
            None keeps the transform's own ``memory_cache_mb``. Defaults to
            4096.
    """

    priority = 'LOW'

    def __init__(self, memory_cache_mb: Optional[float] = 4096) -> None:
        if memory_cache_mb is not None and memory_cache_mb < 0:
            raise ValueError('WarmNormalizeCacheHook: memory_cache_mb must '
                             f'be >= 0 or None, got {memory_cache_mb!r}')
        self.memory_cache_mb = memory_cache_mb

    def before_train(self, runner) -> None:
        """Warm the caches of the train dataloader's dataset(s)."""
        reports = warm_normalize_cache(runner.train_loop.dataloader.dataset,
                                       self.memory_cache_mb)
        if not reports:
            print_log(
                'WarmNormalizeCacheHook: the train pipeline does not start '
                'with CachedPreNormalize3D; nothing to warm',
                logger='current')
        for report in reports:
            print_log(
                f'WarmNormalizeCacheHook: {report["dataset"]}: '
                f'{report["held"]} of {report["unique"]} samples cached in '
                f'memory ({report["memory_bytes"] / 2**20:.0f} MB; '
                f'{report["computed"]} computed, {report["disk"]} from disk) '
                f'in {report["seconds"]:.1f} s', logger='current')
            if report['held'] < report['unique']:
                need = report['total_bytes'] / 2**20 * 1.05
                print_log(
                    f'WarmNormalizeCacheHook: the memory cache '
                    f'({report["memory_cache_mb"]:g} MB) holds only '
                    f'{report["held"]} of {report["unique"]} samples, the '
                    'others are normalized again in the workers every epoch;'
                    f' set memory_cache_mb to about {need:.0f} or give '
                    'CachedPreNormalize3D a cache_dir', logger='current',
                    level=logging.WARNING)
