"""Base class of the class-count aware, two-stage (DRW style) losses."""
from typing import Optional

import numpy as np
import torch
import torch.nn as nn

from .functional import (CountsLike, LossTerms, as_soft_labels,
                         soft_cross_entropy_terms, validate_class_counts,
                         weighted_mean)


class TwoStageLoss(nn.Module):
    """A classification loss that knows the training class counts and a
    two-stage schedule.

    It follows brl_mm's class-count / stage protocol, driven by
    :class:`~brl_mm.engine.DetachedScheduleHook`:

    * ``requires_class_counts = True`` and :meth:`set_class_counts`: the hook
      hands over the per-class counts of the actual training set (the same on
      every rank) before training;
    * :meth:`set_stage`: the hook sets stage 1 or 2 at every epoch start.

    Subclasses define the *balanced* form of the loss (``two_stage=False``
    uses it throughout; ``two_stage=True`` uses it in stage 2 only, and plain
    cross entropy, or the subclass's stage-1 form, in stage 1) through
    :meth:`balanced_class_weight` (per-class weights), :meth:`adjust_logits`
    (logit adjustment / margins) or :meth:`loss_terms` (per-sample terms and
    their weights). The base reduces the terms once, in :meth:`forward`:
    ``sum(terms) / sum(weights)``, where in training the normalizer is the
    mean over the ranks of a DDP run (one all-reduce, no host sync), so a
    2-process run updates the model as the 1-process run on the same global
    batch, for every subclass.

    State lives in persistent float32 buffers, so checkpoints carry it and
    ``SyncBuffersHook`` can all-reduce it: ``class_counts`` ``(K,)``,
    ``class_weight`` ``(K,)`` (the per-class weights in use now) and
    ``stage`` (``1.`` or ``2.``). The buffers are empty until counts are set;
    loading a checkpoint resizes them, so a model built for testing loads the
    counts of the run that trained it. The stage is mirrored on the host, so
    ``forward`` never reads a device value (no host-device sync).

    Args:
        two_stage (bool): Use the balanced form in stage 2 only.
        class_counts (Sequence[int], optional): Per-class training counts, for
            use without the hook. The hook overrides them.
        loss_weight (float): Factor on the loss. Defaults to 1.0.
    """

    requires_class_counts = True
    #: What the balanced form computes, for the stage log.
    balanced_form = 'class-weighted cross entropy'

    def __init__(self,
                 two_stage: bool = True,
                 class_counts: Optional[CountsLike] = None,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = float(loss_weight)
        self.two_stage = bool(two_stage)
        self.register_buffer('class_counts', torch.zeros(0))
        self.register_buffer('class_weight', torch.zeros(0))
        self.register_buffer('stage', torch.tensor(1.0))
        self._stage = 1
        if class_counts is not None:
            self.set_class_counts(class_counts)

    # ------------------------------------------------------------ protocol
    def set_class_counts(self, counts: CountsLike) -> None:
        """Set the per-class training counts and recompute the weights.

        Args:
            counts (Sequence[int] | np.ndarray | torch.Tensor): Per-class
                training sample counts, length ``num_classes``; every class
                needs at least one sample.
        """
        counts = validate_class_counts(counts, owner=type(self).__name__)
        self._assign_buffer('class_counts', counts)
        self._refresh_class_weight()

    def set_stage(self, stage: int) -> None:
        """Switch to stage 1 (representation) or 2 (balancing).

        Args:
            stage (int): 1 or 2.
        """
        if stage not in (1, 2):
            raise ValueError(f'stage must be 1 or 2, got {stage!r}')
        self._stage = int(stage)
        self.stage.fill_(float(stage))
        self._refresh_class_weight()

    def describe_stage(self, stage: int) -> str:
        """What the loss computes in ``stage`` (for the stage log).

        Args:
            stage (int): 1 or 2.

        Returns:
            str: E.g. ``'plain cross entropy'`` or ``'action-aware weighted
            cross entropy, class weights 0.62..1.9'``.
        """
        if self.two_stage and stage < 2:
            return self.unbalanced_form()
        text = self.balanced_form
        if not self.two_stage:
            text += ' (from the first epoch; the stage changes nothing)'
        if self.has_class_counts:
            counts = self.class_counts.detach().cpu().double().numpy()
            weight = self.balanced_class_weight(counts)
            if not np.allclose(weight, weight[0]):
                text += (f', class weights {weight.min():.4g}..'
                         f'{weight.max():.4g}')
        return text

    def unbalanced_form(self) -> str:
        """What a two-stage loss computes in stage 1."""
        return 'plain cross entropy'

    # ------------------------------------------------------------ queries
    @property
    def current_stage(self) -> int:
        """The stage in use (1 or 2), known on the host."""
        return self._stage

    @property
    def balanced(self) -> bool:
        """Whether the balanced form of the loss is in use now."""
        return not self.two_stage or self._stage >= 2

    @property
    def has_class_counts(self) -> bool:
        """Whether class counts were set (or loaded from a checkpoint)."""
        return self.class_counts.numel() > 0

    def balanced_class_weight(self, counts: np.ndarray) -> np.ndarray:
        """Per-class weights of the balanced form (float64, host side).

        Args:
            counts (np.ndarray): Validated float64 counts ``(K,)``.

        Returns:
            np.ndarray: ``(K,)`` weights. Uniform (ones) by default.
        """
        return np.ones_like(counts)

    def current_class_weight(self, counts: np.ndarray) -> np.ndarray:
        """The per-class weights for the current stage (host side)."""
        if self.balanced:
            return self.balanced_class_weight(counts)
        return np.ones_like(counts)

    # ------------------------------------------------------------ forward
    def forward(self, cls_score: torch.Tensor,
                label: torch.Tensor) -> torch.Tensor:
        """Compute the loss (times ``loss_weight``).

        Args:
            cls_score (torch.Tensor): ``(B, K)`` class scores (any float
                dtype; the loss is computed in float32).
            label (torch.Tensor): Hard labels ``(B,)`` or soft labels
                ``(B, K)``.

        Returns:
            torch.Tensor: The scalar loss (float32).
        """
        num_classes = cls_score.size(-1)
        if not self.has_class_counts:
            raise RuntimeError(
                f'{type(self).__name__} has no class counts. Add '
                "dict(type='DetachedScheduleHook') to custom_hooks (it hands "
                'the training-set counts to the loss), or pass class_counts= '
                'to the loss.')
        if self.class_counts.numel() != num_classes:
            raise ValueError(
                f'{type(self).__name__} has counts of '
                f'{self.class_counts.numel()} classes but the head predicts '
                f'{num_classes}: make model.cls_head.num_classes match the '
                'training dataset.')
        soft_labels = as_soft_labels(label, num_classes)
        terms = self.loss_terms(cls_score.float(), soft_labels)
        # In training under DDP the normalizer is the mean over ranks, so
        # that the update equals the 1-process weighted mean of the global
        # batch; evaluation (no grad) keeps this rank's own normalizer.
        sync = self.training and torch.is_grad_enabled()
        return self.loss_weight * weighted_mean(*terms, sync_normalizer=sync)

    def adjust_logits(self, logits: torch.Tensor,
                      soft_labels: torch.Tensor) -> torch.Tensor:
        """The logits the cross entropy of :meth:`loss_terms` sees.

        The identity by default; margin and logit-adjusted losses override
        it (device operations only).

        Args:
            logits (torch.Tensor): float32 ``(B, K)`` class scores.
            soft_labels (torch.Tensor): float32 ``(B, K)`` targets.

        Returns:
            torch.Tensor: float32 ``(B, K)`` logits.
        """
        return logits

    def loss_terms(self, logits: torch.Tensor,
                   soft_labels: torch.Tensor) -> LossTerms:
        """Per-sample terms and weights of the loss, before the reduction.

        Defaults to the soft cross entropy of :meth:`adjust_logits` weighted
        by the current ``class_weight``: ``terms_i = sum_c q_ic w_c
        (-log p_ic)``, ``weights_i = sum_c q_ic w_c``. Subclasses override it
        with device operations only.

        Args:
            logits (torch.Tensor): float32 ``(B, K)`` class scores.
            soft_labels (torch.Tensor): float32 ``(B, K)`` targets.

        Returns:
            LossTerms: ``(B,)`` (or ``(G, B)``) terms and weights.
        """
        return soft_cross_entropy_terms(
            self.adjust_logits(logits, soft_labels), soft_labels,
            self.class_weight)

    # ------------------------------------------------------------ internals
    def _refresh_class_weight(self) -> None:
        if not self.has_class_counts:
            return
        counts = self.class_counts.detach().cpu().double().numpy()
        self._assign_buffer('class_weight', self.current_class_weight(counts))

    def _assign_buffer(self, name: str, value) -> None:
        """Write ``value`` into buffer ``name`` in place (keeps its identity,
        device and float32 dtype; resizes when needed)."""
        buffer = getattr(self, name)
        value = torch.as_tensor(np.asarray(value), dtype=torch.float32)
        if buffer.shape != value.shape:
            buffer.resize_(value.shape)
        buffer.copy_(value)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict,
                              missing_keys, unexpected_keys,
                              error_msgs) -> None:
        # The buffers are sized by the counts, unknown at construction: take
        # the checkpoint's sizes so that a test-time model gets its counts.
        for name in ('class_counts', 'class_weight'):
            loaded = state_dict.get(prefix + name)
            buffer = getattr(self, name)
            if loaded is not None and loaded.shape != buffer.shape:
                buffer.resize_(loaded.shape)
        super()._load_from_state_dict(state_dict, prefix, local_metadata,
                                      strict, missing_keys, unexpected_keys,
                                      error_msgs)
        if prefix + 'stage' in state_dict:
            self._stage = 2 if float(self.stage) >= 1.5 else 1

    def extra_repr(self) -> str:
        return (f'two_stage={self.two_stage}, stage={self._stage}, '
                f'num_classes={self.class_counts.numel()}, '
                f'loss_weight={self.loss_weight}')
