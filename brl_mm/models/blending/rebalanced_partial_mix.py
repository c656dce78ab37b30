"""BRL's Rebalanced Partial Mixup as an mmaction2 batch blending.

Use it as ``model.data_preprocessor.blending`` of any skeleton recognizer::

    model = dict(
        data_preprocessor=dict(
            type='ActionDataPreprocessor',
            blending=dict(type='RebalancedPartialMix', num_classes=60,
                          layout='nturgb+d')))

For ``int(ratio * B)`` distinct samples ``i`` of a training batch (inputs
``(B, nc, M, T, V, C)``) and a partner ``j != i`` each, sample ``i`` keeps its
upper-body joints and takes the partner's lower-body joints (same joint
indices, all clips, persons and frames, read from the unmixed batch). Its
label becomes ``alpha_i * onehot(y_i) + (1 - alpha_i) * onehot(y_j)`` with the
rebalancing rule of the spec (section 1)::

    alpha_i = 0      if n[y_i] > k_im * n[y_j]   (take the rarer label)
    alpha_i = 1      if n[y_j] > k_im * n[y_i]   (keep the rarer label)
    alpha_i = alpha  otherwise (default: the layout's upper-body share)

where ``n`` are the training-set class counts. With ``space='bone'`` the
receiver instead takes the partner's lower-body bone directions at its own
bone lengths, its legs rebuilt from its own pelvis (:mod:`.bone_space`).
Every sample of the batch then carries a soft ``(num_classes,)`` float label
(one-hot for the unmixed ones), so any loss that accepts soft labels
(mmaction's ``CrossEntropyLoss``, brl_mm's losses) works unchanged.

The whole blending is a handful of tensor operations on the input's device:
no Python loop over samples, frames or joints (only the final
``set_gt_label`` per data sample that mmaction's API needs), no host-device
synchronisation, dtype-agnostic (fp32 / fp16 / bf16 inputs under AMP). By
default it writes the ``k`` mixed rows into the freshly stacked batch it
receives instead of copying the whole batch (``inplace=True``).
Random choices come from torch's global RNG on the input's device
(``torch.randperm`` / ``torch.randint`` / ``torch.multinomial``), which
mmengine seeds with ``randomness=dict(seed=...)``; seeding torch repeats a
run exactly.

Class counts reach the blending through ``class_counts=`` or, with the
:class:`~brl_mm.engine.hooks.DetachedScheduleHook`, through
:meth:`RebalancedPartialMix.set_class_counts` before training.
"""
from typing import Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmaction.models.utils import BaseMiniBatchBlending
from mmaction.registry import MODELS
from mmaction.utils import SampleList

from ...class_counts import validate_class_counts
from ...layouts import SkeletonLayout, get_layout
from .bone_space import BoneTree, bone_partial_mix, bone_tree
from .legacy import legacy_partial_mix, sample_legacy_mix_pairs
from .rebalance import (as_joint_index, mixed_soft_labels,
                        write_mixed_rows)

__all__ = ['RebalancedPartialMix', 'sample_mix_pairs', 'partial_mix']

CountsLike = Union[Sequence[float], np.ndarray, torch.Tensor]
DeviceLike = Union[str, torch.device]
IndexPair = Tuple[torch.Tensor, torch.Tensor]


# --------------------------------------------------------- functional core
def sample_mix_pairs(batch_size: int,
                     num_mixed: int,
                     device: DeviceLike = 'cpu') -> IndexPair:
    """Draw ``num_mixed`` distinct samples and a partner ``j != i`` each.

    Args:
        batch_size (int): ``B`` (at least 2 when ``num_mixed > 0``).
        num_mixed (int): ``k``, at most ``B``.
        device (str | torch.device): Where to draw (torch's global RNG of
            that device).

    Returns:
        tuple[torch.Tensor, torch.Tensor]: ``chosen`` and ``partners``, both
        int64 of shape ``(k,)``; partners are uniform over the other ``B-1``
        samples (they may repeat, and may themselves be chosen).
    """
    if num_mixed > 0 and batch_size < 2:
        raise ValueError('partial mixup needs a batch of at least 2 samples')
    chosen = torch.randperm(batch_size, device=device)[:num_mixed]
    offsets = torch.randint(1,
                            max(batch_size, 2), (num_mixed, ),
                            device=device)
    return chosen, (chosen + offsets) % batch_size


def partial_mix(inputs: torch.Tensor,
                one_hot: torch.Tensor,
                targets: torch.Tensor,
                chosen: torch.Tensor,
                partners: torch.Tensor,
                lower_body: Union[Sequence[int], torch.Tensor],
                class_counts: torch.Tensor,
                alpha: float,
                k_im: float,
                inplace: bool = False) -> Tuple[torch.Tensor, torch.Tensor]:
    """Rebalanced partial mixup for given pairs (BRL as the paper means it).

    Args:
        inputs (torch.Tensor): ``(B, ..., V, C)``, e.g. mmaction's
            ``(B, nc, M, T, V, C)``; modified only with ``inplace=True``.
        one_hot (torch.Tensor): ``(B, K)`` float labels of the batch.
        targets (torch.Tensor): ``(B,)`` int64 class of each sample (indexes
            ``class_counts``).
        chosen (torch.Tensor): ``(k,)`` distinct indices of the samples to mix.
        partners (torch.Tensor): ``(k,)`` partner of each chosen sample.
        lower_body (Sequence[int] | torch.Tensor): Joints taken from the
            partner.
        class_counts (torch.Tensor): ``(K,)`` training-set counts.
        alpha (float): Label weight when neither class dominates.
        k_im (float): Imbalance factor of the rebalancing rule.
        inplace (bool): Write the ``k`` mixed samples into ``inputs`` instead
            of copying the whole batch first. Both own and partner rows are
            read before anything is written, so the result is the same.
            Defaults to False.

    Returns:
        tuple[torch.Tensor, torch.Tensor]: Mixed inputs (same shape and
        dtype; ``inputs`` itself with ``inplace=True``) and ``(B, K)``
        float32 soft labels.
    """
    joint_dim = inputs.dim() - 2
    lower = as_joint_index(lower_body, inputs.device)
    mixed = inputs.index_select(0, chosen)
    partner_lower = inputs.index_select(0, partners).index_select(
        joint_dim, lower)
    mixed.index_copy_(joint_dim, lower, partner_lower)
    out = write_mixed_rows(inputs, chosen, mixed, inplace)
    return out, mixed_soft_labels(one_hot, targets, chosen, partners,
                                  class_counts, alpha, k_im)


# ------------------------------------------------------ registered class
@MODELS.register_module()
class RebalancedPartialMix(BaseMiniBatchBlending):
    """BRL's Rebalanced Partial Mixup (spec section 1), a batch blending.

    Args:
        num_classes (int): Number of classes ``K``.
        layout (str): Skeleton layout in
            :data:`brl_mm.layouts.LAYOUTS`; gives the lower-body
            joints and the default ``alpha``. Defaults to ``'nturgb+d'``.
        class_counts (Sequence[int] | np.ndarray | torch.Tensor, optional):
            Training-set sample count per class (length ``K``). Can instead
            be set before training by ``DetachedScheduleHook`` (through
            :meth:`set_class_counts`). Defaults to None.
        ratio (float): Share of the batch that is mixed: ``int(ratio * B)``
            samples. Defaults to 1/16.
        alpha (float, optional): Label weight of the own class when neither
            class dominates. Defaults to None: the layout's upper-body share
            (0.64 on NTU-25, 0.55 on NW-UCLA).
        k_im (float): Imbalance factor of the rebalancing rule. Defaults
            to 3.
        disable_in_stage2 (bool): Make the blending a no-op once
            :meth:`set_stage` sets stage 2 (DRW-style schedules). Defaults to
            False.
        legacy (bool): Reproduce the original code's behaviour (spec
            deviations 1-3: reordered joints, one alpha per batch, fewer
            mixed samples) for exact comparisons. Defaults to False.
        inplace (bool): Write the mixed samples into the batch tensor it
            receives (in ``ActionDataPreprocessor`` that is the freshly
            stacked batch, which nothing else holds) instead of copying the
            whole batch: only the ``k`` mixed rows are touched. Partners are
            read before anything is written either way. Legacy mode always
            returns a new tensor. Defaults to True.
        space (str): ``'joint'`` copies the partner's lower-body joint
            positions (BRL as published); ``'bone'`` transplants the
            partner's lower-body bone directions with the receiver's bone
            lengths and rebuilds the legs from the receiver's pelvis /
            hips, so the mixed skeleton stays connected and keeps the
            receiver's proportions (:mod:`.bone_space`; for joint-coordinate
            inputs). Same pairs and labels either way. Defaults to
            ``'joint'``.
    """

    #: The DetachedScheduleHook injects the training-set class counts.
    requires_class_counts = True

    def __init__(self,
                 num_classes: int,
                 layout: str = 'nturgb+d',
                 class_counts: Optional[CountsLike] = None,
                 ratio: float = 1 / 16,
                 alpha: Optional[float] = None,
                 k_im: float = 3.0,
                 disable_in_stage2: bool = False,
                 legacy: bool = False,
                 inplace: bool = True,
                 space: str = 'joint') -> None:
        super().__init__(num_classes=num_classes)
        if not 0 <= ratio <= 1:
            raise ValueError(
                f'RebalancedPartialMix: ratio must be in [0, 1], got {ratio}')
        self._layout: SkeletonLayout = get_layout(layout)
        self.layout = self._layout.name
        self.ratio = ratio
        self.alpha = self._layout.upper_share if alpha is None else alpha
        if not 0 <= self.alpha <= 1:
            raise ValueError(
                f'RebalancedPartialMix: alpha must be in [0, 1], got {alpha}')
        self.k_im = k_im
        self.disable_in_stage2 = disable_in_stage2
        self.legacy = legacy
        self.inplace = inplace
        if space not in ('joint', 'bone'):
            raise ValueError(f"RebalancedPartialMix: space must be 'joint' or "
                             f"'bone', got {space!r}")
        if legacy and space != 'joint':
            raise ValueError(
                "RebalancedPartialMix: legacy=True reproduces the original "
                "code's joint-space mixup; use space='joint' with it")
        self.space = space
        self._bone_tree: BoneTree = bone_tree(self._layout.parents,
                                              self._layout.lower_body)
        self.lower_body = self._layout.lower_body
        self.upper_body = self._layout.upper_body
        self.stage = 1
        self.class_counts: Optional[torch.Tensor] = None
        if class_counts is not None:
            self.set_class_counts(class_counts)

    # ---------------------------------------------- class-count protocol
    def set_class_counts(self, counts: CountsLike) -> None:
        """Set the training-set sample count of every class.

        Args:
            counts (Sequence | np.ndarray | torch.Tensor): Length
                ``num_classes``, non-negative.
        """
        counts = validate_class_counts(
            counts, 'RebalancedPartialMix', num_classes=self.num_classes,
            allow_empty_classes=True)  # a class never drawn is never mixed
        self.class_counts = torch.from_numpy(counts.astype(np.float32))

    def set_stage(self, stage: int) -> None:
        """Enter training stage 1 or 2 (see ``disable_in_stage2``)."""
        if stage not in (1, 2):
            raise ValueError(f'stage must be 1 or 2, got {stage}')
        self.stage = stage

    def describe_stage(self, stage: int) -> str:
        """What the blending does in ``stage`` (for the stage log)."""
        if self.disable_in_stage2 and stage == 2:
            return 'off (disable_in_stage2)'
        return (f'rebalanced partial mixup of {self.space}-space lower '
                f'bodies, ratio {self.ratio:g} of each batch')

    @property
    def active(self) -> bool:
        """False when the blending is switched off for the current stage."""
        return not (self.disable_in_stage2 and self.stage == 2)

    def _counts_on(self, device: torch.device) -> torch.Tensor:
        if self.class_counts is None:
            raise RuntimeError(
                'RebalancedPartialMix needs the training-set class counts. '
                'Either pass them in the config, '
                "blending=dict(type='RebalancedPartialMix', ..., "
                'class_counts=[...]), or add '
                "dict(type='DetachedScheduleHook') to custom_hooks, which "
                'reads them from the training dataset and calls '
                'set_class_counts() before training.')
        if self.class_counts.device != device:
            # moved once; later calls find it on the device already
            self.class_counts = self.class_counts.to(device)
        return self.class_counts

    def _tree_on(self, device: torch.device) -> BoneTree:
        if self._bone_tree.parents.device != device:
            self._bone_tree = self._bone_tree.to(device)  # moved once
        return self._bone_tree

    # ------------------------------------------------------------ blending
    def num_mixed(self, batch_size: int) -> int:
        """``int(ratio * B)`` (0 for a batch of one sample)."""
        return int(self.ratio * batch_size) if batch_size > 1 else 0

    def do_blending(self,
                    imgs: torch.Tensor,
                    label: torch.Tensor,
                    targets: Optional[torch.Tensor] = None,
                    **kwargs) -> Tuple[torch.Tensor, torch.Tensor]:
        """Mix a batch.

        Args:
            imgs (torch.Tensor): Inputs ``(B, nc, M, T, V, C)`` (any
                ``(B, ..., V, C)``).
            label (torch.Tensor): ``(B, K)`` one-hot (or soft) labels.
            targets (torch.Tensor, optional): ``(B,)`` classes that index the
                class counts; defaults to ``label.argmax(1)``.

        Returns:
            tuple[torch.Tensor, torch.Tensor]: Mixed inputs and ``(B, K)``
            float32 soft labels.
        """
        if kwargs:
            raise TypeError(f'unexpected arguments for RebalancedPartialMix: '
                            f'{sorted(kwargs)}')
        num_joints = imgs.shape[-2]
        if num_joints != self._layout.num_joints:
            raise ValueError(
                f'RebalancedPartialMix(layout={self.layout!r}) expects '
                f'{self._layout.num_joints} joints on dim -2 of the inputs '
                f'(B, nc, M, T, V, C), got shape {tuple(imgs.shape)}; set '
                'layout= to the dataset\'s skeleton.')
        counts = self._counts_on(imgs.device)
        if targets is None:
            targets = label.argmax(dim=1)
        batch_size = imgs.shape[0]
        # Data movement (and the bone version's fp32 arithmetic): keep autocast
        # (mmengine runs the preprocessor in the AMP context) from re-typing it.
        with torch.autocast(device_type=imgs.device.type, enabled=False):
            if self.legacy:
                mixed, partners = sample_legacy_mix_pairs(
                    batch_size, self.num_mixed(batch_size), imgs.device)
                return legacy_partial_mix(imgs, label, targets, mixed,
                                          partners, self.upper_body,
                                          self.lower_body, counts, self.alpha,
                                          self.k_im)
            chosen, partners = sample_mix_pairs(batch_size,
                                                self.num_mixed(batch_size),
                                                imgs.device)
            if self.space == 'bone':
                return bone_partial_mix(imgs,
                                        label,
                                        targets,
                                        chosen,
                                        partners,
                                        self._tree_on(imgs.device),
                                        self._layout.coord_dims,
                                        counts,
                                        self.alpha,
                                        self.k_im,
                                        inplace=self.inplace)
            return partial_mix(imgs,
                               label,
                               targets,
                               chosen,
                               partners,
                               self.lower_body,
                               counts,
                               self.alpha,
                               self.k_im,
                               inplace=self.inplace)

    def __call__(self, imgs: torch.Tensor, batch_data_samples: SampleList,
                 **kwargs) -> Tuple[torch.Tensor, SampleList]:
        """Mix the batch (in place unless ``inplace=False``) and give every
        data sample a soft ``gt_label``.

        Unlike the base class this builds the one-hot labels on the device
        without a host round trip. After the call every ``gt_label`` is a
        ``(num_classes,)`` float32 tensor (one-hot for unmixed samples), so
        the batch's labels have one type. In a disabled stage the inputs and
        data samples are returned untouched.

        Args:
            imgs (torch.Tensor): ``(B, nc, M, T, V, C)`` inputs.
            batch_data_samples (list[ActionDataSample]): The batch's samples.

        Returns:
            tuple: Mixed inputs and the data samples.
        """
        if not self.active:
            return imgs, batch_data_samples
        targets, one_hot = self._batch_labels(batch_data_samples, imgs.device)
        mixed_imgs, soft = self.do_blending(imgs, one_hot, targets, **kwargs)
        for sample, soft_label in zip(batch_data_samples, soft):
            sample.set_gt_label(soft_label)
        return mixed_imgs, batch_data_samples

    def _batch_labels(
            self, samples: SampleList,
            device: torch.device) -> Tuple[torch.Tensor, torch.Tensor]:
        """Classes ``(B,)`` and float labels ``(B, K)`` of the batch."""
        labels = [sample.gt_label for sample in samples]
        sizes = {label.numel() for label in labels}
        if sizes == {1}:
            targets = torch.cat([label.reshape(1)
                                 for label in labels]).to(device=device,
                                                          dtype=torch.long)
            one_hot = torch.zeros(len(labels), self.num_classes,
                                  device=device).scatter_(
                                      1, targets[:, None], 1.0)
            return targets, one_hot
        if sizes == {self.num_classes}:
            one_hot = torch.stack(labels).to(device=device,
                                             dtype=torch.float32)
            return one_hot.argmax(dim=1), one_hot
        raise ValueError(
            'RebalancedPartialMix expects every gt_label to be a hard label '
            f'(1 element) or a soft label ({self.num_classes} elements), got '
            f'sizes {sorted(sizes)}')

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(num_classes={self.num_classes}, '
                f'layout={self.layout!r}, ratio={self.ratio}, '
                f'alpha={self.alpha}, k_im={self.k_im}, '
                f'disable_in_stage2={self.disable_in_stage2}, '
                f'legacy={self.legacy}, inplace={self.inplace}, '
                f'space={self.space!r})')
