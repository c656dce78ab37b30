"""brl_mm's class-count / stage protocol and its one validator.

Long-tail components need the per-class sample counts of the *training* set
(the loss re-weights by them, the mixup re-balances its soft labels, the
metric groups classes into many / medium / few) and some switch behaviour
between BRL's two stages. They do not read the data themselves:
:class:`~brl_mm.engine.DetachedScheduleHook` hands the counts out before
training (and from the checkpoint for a test-only run) and sets the stage at
every epoch. A component takes part by having the methods below; nothing has
to inherit from these classes (they are :class:`typing.Protocol` s).
"""
from typing import (Any, Optional, Protocol, Sequence, Union,
                    runtime_checkable)

import numpy as np

__all__ = [
    'ClassCountsLike', 'NeedsClassCounts', 'HasStage', 'needs_class_counts',
    'has_stage', 'validate_class_counts'
]

ClassCountsLike = Union[Sequence[int], np.ndarray, Any]


@runtime_checkable
class NeedsClassCounts(Protocol):
    """A component that needs the training set's per-class counts.

    ``requires_class_counts`` must be ``True`` (a class attribute), and
    ``set_class_counts`` receives the counts, one per class.
    """

    requires_class_counts: bool

    def set_class_counts(self, counts: Sequence[int]) -> None:
        """Receive the training counts of every class."""


@runtime_checkable
class HasStage(Protocol):
    """A component with stage-dependent behaviour (stage 1: representation
    learning, stage 2: tail emphasis).

    It may also define ``set_stage_epoch(epoch_in_stage)`` (0-based epoch
    within the current stage) and ``describe_stage(stage) -> str`` (what it
    does in that stage, for the log).
    """

    def set_stage(self, stage: int) -> None:
        """Switch to stage 1 or 2."""


def needs_class_counts(obj: Any) -> bool:
    """Whether ``obj`` takes part in the class-count protocol."""
    return getattr(obj, 'requires_class_counts', False) is True and callable(
        getattr(obj, 'set_class_counts', None))


def has_stage(obj: Any) -> bool:
    """Whether ``obj`` takes part in the stage protocol."""
    return callable(getattr(obj, 'set_stage', None))


def validate_class_counts(counts: ClassCountsLike,
                          owner: str = 'class counts',
                          num_classes: Optional[int] = None,
                          allow_empty_classes: bool = False) -> np.ndarray:
    """Check per-class training counts; the one check every component uses.

    Args:
        counts (Sequence[int] | np.ndarray | torch.Tensor): Training samples
            per class, shape ``(K,)``.
        owner (str): Who checks (named in the error message).
        num_classes (int, optional): The number of classes ``K`` the owner
            was built for; a different length is an error.
        allow_empty_classes (bool): Accept classes without a training sample
            (the metric can still report them; a re-weighting loss cannot).
            Defaults to False.

    Returns:
        np.ndarray: The counts as int64, shape ``(K,)``.

    Raises:
        ValueError: On a wrong shape or length, non-finite, negative or
            non-integer counts, or (unless allowed) empty classes; the
            message names the classes and the fix.
    """
    if hasattr(counts, 'detach'):  # a torch tensor
        counts = counts.detach().cpu().numpy()
    try:
        values = np.asarray(counts, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f'{owner}: class counts must be numbers, one per '
                         f'class, got {counts!r}') from None
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f'{owner}: class counts must be a non-empty 1-D '
                         'sequence (one count per class), got shape '
                         f'{values.shape}')
    if num_classes is not None and values.size != num_classes:
        raise ValueError(
            f'{owner}: {values.size} class counts for {num_classes} classes; '
            'the counts must come from the training set of this model (check '
            'num_classes of the head, the dataset and any class_counts= '
            'given in the config).')
    if not np.all(np.isfinite(values)) or np.any(values < 0) or np.any(
            values != np.round(values)):
        raise ValueError(f'{owner}: class counts must be non-negative '
                         f'integers, got {values.tolist()[:10]}...')
    empty = np.flatnonzero(values == 0)
    if empty.size and not allow_empty_classes:
        raise ValueError(
            f'{owner}: {empty.size} of {values.size} classes have no training '
            f'sample (class indices {empty[:10].tolist()}). Class-count based '
            'components need at least one sample per class: check num_classes '
            '(model.cls_head.num_classes and the dataset), the split and the '
            'long-tail sample list, or drop the empty classes.')
    return values.astype(np.int64)
