"""A batch collate that crosses the worker -> main process boundary cheaply.

mmengine's ``pseudo_collate`` (mmaction2's default) returns a batch as lists:
``inputs`` holds one tensor per sample and every ``ActionDataSample`` holds
its own label tensor. A ``DataLoader`` worker hands each of those tensors to
the main process through its own shared-memory segment, which on the BRL
train pipeline costs more than the pipeline itself: about 0.8 ms per sample
for 16-sample ST-GCN++ batches, against 0.34 ms for the whole (cached)
pipeline (``benchmarks/bench_train_speed.py``, docs/benchmarks.md).

:func:`compact_collate` returns exactly what ``pseudo_collate`` returns, but
marks the two lists so that, when the batch is pickled for the main
process, the ``inputs`` travel as one stacked tensor (one segment per batch;
the main process gets the per-sample tensors back as views of it) and the
data samples as one ordinary pickle (their small tensors inline). In the
process that built it (``num_workers=0``) nothing is pickled and the batch
is the ``pseudo_collate`` batch. Use it in a dataloader config::

    train_dataloader = dict(..., collate_fn=dict(type='compact_collate'))
"""
import pickle
from typing import Any, List, Sequence

import torch
from mmengine.dataset import pseudo_collate
from mmengine.registry import FUNCTIONS

__all__ = ['compact_collate', 'StackedTensorList', 'InlinePickledList']


def _unstack(stacked: torch.Tensor) -> List[torch.Tensor]:
    return list(stacked.unbind(0))


def _unpickle_list(payload: bytes) -> list:
    return pickle.loads(payload)


class StackedTensorList(list):
    """A list of tensors that pickles as one stacked tensor when all have
    the same shape and dtype (and as a plain list otherwise); it unpickles
    as a plain list of views of that tensor."""

    def __reduce__(self):
        items = list(self)
        if items and all(isinstance(t, torch.Tensor) for t in items) and \
                len({(t.shape, t.dtype, t.device) for t in items}) == 1:
            return _unstack, (torch.stack(items), )
        return list, (items, )


class InlinePickledList(list):
    """A list that pickles its items with the standard pickler into one
    bytes object (tensors inline, not one shared-memory segment each); it
    unpickles as a plain list. For small per-sample objects such as
    ``ActionDataSample``."""

    def __reduce__(self):
        return _unpickle_list, (pickle.dumps(
            list(self), protocol=pickle.HIGHEST_PROTOCOL), )


@FUNCTIONS.register_module()
def compact_collate(data_batch: Sequence) -> Any:
    """``pseudo_collate``, with ``inputs`` / ``data_samples`` marked for a
    cheap transfer out of a loader worker (see the module docstring).

    Args:
        data_batch (Sequence): The samples of a batch (pipeline outputs).

    Returns:
        The ``pseudo_collate`` batch; for mmaction2's dict samples its
        ``inputs`` is a :class:`StackedTensorList` and its ``data_samples``
        an :class:`InlinePickledList` (both plain lists once unpickled).
    """
    batch = pseudo_collate(data_batch)
    if isinstance(batch, dict):
        if isinstance(batch.get('inputs'), list):
            batch['inputs'] = StackedTensorList(batch['inputs'])
        if isinstance(batch.get('data_samples'), list):
            batch['data_samples'] = InlinePickledList(batch['data_samples'])
    return batch
