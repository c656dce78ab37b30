"""Reproduction of the original BRL code's partial mixup (spec deviations
1-3), vectorized, for exact comparisons with it.

``RebalancedPartialMix(legacy=True)`` uses these functions; the mixup as the
paper means it lives in :mod:`.rebalanced_partial_mix`.
"""
from typing import Sequence, Tuple, Union

import torch

from .rebalance import as_joint_index, rebalanced_alpha

__all__ = [
    'sample_legacy_mix_pairs', 'legacy_mixed_mask', 'legacy_partial_mix'
]

DeviceLike = Union[str, torch.device]
IndexPair = Tuple[torch.Tensor, torch.Tensor]


def sample_legacy_mix_pairs(batch_size: int,
                            num_chosen: int,
                            device: DeviceLike = 'cpu') -> IndexPair:
    """The original code's choice of mixed samples and partners, vectorized.

    The original iterates ``for idx in data_list`` while removing each mixed
    ``idx`` from that same list (its partner list aliases it, spec deviation
    3). Removing the current element makes the loop skip the next one, so in
    every run of consecutive chosen indices only the 1st, 3rd, 5th, ... is
    mixed, and the partner of ``i`` is uniform over the batch minus the mixed
    indices ``<= i`` (itself included).

    Args:
        batch_size (int): ``B``.
        num_chosen (int): ``int(ratio * B)`` indices drawn, as in the
            original; fewer of them are mixed.
        device (str | torch.device): Where to draw.

    Returns:
        tuple[torch.Tensor, torch.Tensor]: ``mixed`` (bool, ``(B,)``) and
        ``partners`` (int64, ``(B,)``, ``partners[i] == i`` where not mixed).
    """
    if num_chosen > 0 and batch_size < 2:
        raise ValueError('partial mixup needs a batch of at least 2 samples')
    index = torch.arange(batch_size, device=device)
    chosen = torch.zeros(batch_size, dtype=torch.bool, device=device)
    chosen[torch.randperm(batch_size, device=device)[:num_chosen]] = True
    mixed = legacy_mixed_mask(chosen)
    # row i: the list the partner of i is drawn from (mixed indices <= i gone)
    removed = mixed[None, :] & (index[None, :] <= index[:, None])
    partners = torch.multinomial((~removed).float(), 1).squeeze(1)
    return mixed, torch.where(mixed, partners, index)


def legacy_mixed_mask(chosen: torch.Tensor) -> torch.Tensor:
    """Which of the chosen indices the original's aliasing loop mixes.

    Args:
        chosen (torch.Tensor): Bool ``(B,)``, the indices drawn.

    Returns:
        torch.Tensor: Bool ``(B,)``: chosen and at an even position (0, 2, ..)
        inside its run of consecutive chosen indices.
    """
    index = torch.arange(chosen.numel(), device=chosen.device)
    last_unchosen = torch.cummax(torch.where(chosen,
                                             torch.full_like(index,
                                                             -1), index),
                                 dim=0).values
    position_in_run = index - last_unchosen - 1
    return chosen & (position_in_run % 2 == 0)


def legacy_partial_mix(inputs: torch.Tensor, one_hot: torch.Tensor,
                       targets: torch.Tensor, mixed: torch.Tensor,
                       partners: torch.Tensor, upper_body: Union[Sequence[int],
                                                                 torch.Tensor],
                       lower_body: Union[Sequence[int], torch.Tensor],
                       class_counts: torch.Tensor, alpha: float,
                       k_im: float) -> Tuple[torch.Tensor, torch.Tensor]:
    """The original BRL code's mixup (spec deviations 1-3), vectorized.

    * Deviation 1: a mixed sample's joints become
      ``cat([own upper joints, partner lower joints])`` written to joint
      positions ``0..V-1``, i.e. the skeleton is reordered.
    * Deviation 2: one alpha for the whole batch, the rebalanced alpha of the
      last mixed pair (highest mixed index), applied to every mixed sample.
    * Deviation 3: which samples are mixed and the partners come from
      :func:`sample_legacy_mix_pairs`. The original mixes in place, but its
      aliasing loop never draws an already mixed partner, so reading the
      unmixed batch here gives the same result.

    Args:
        inputs (torch.Tensor): ``(B, ..., V, C)``; not modified.
        one_hot (torch.Tensor): ``(B, K)`` float labels.
        targets (torch.Tensor): ``(B,)`` int64 classes.
        mixed (torch.Tensor): ``(B,)`` bool, samples to mix.
        partners (torch.Tensor): ``(B,)`` partner of every sample.
        upper_body (Sequence[int] | torch.Tensor): Joints kept, in order.
        lower_body (Sequence[int] | torch.Tensor): Joints taken, in order.
        class_counts (torch.Tensor): ``(K,)`` training-set counts.
        alpha (float): Label weight when neither class dominates.
        k_im (float): Imbalance factor of the rebalancing rule.

    Returns:
        tuple[torch.Tensor, torch.Tensor]: Mixed inputs and ``(B, K)`` float32
        soft labels.
    """
    joint_dim = inputs.dim() - 2
    upper = as_joint_index(upper_body, inputs.device)
    lower = as_joint_index(lower_body, inputs.device)
    reordered = torch.cat([
        inputs.index_select(joint_dim, upper),
        inputs.index_select(0, partners).index_select(joint_dim, lower)
    ],
                          dim=joint_dim)
    mask = mixed.view((-1, ) + (1, ) * (inputs.dim() - 1))
    out = torch.where(mask, reordered, inputs)

    labels = one_hot.float()
    pair_alpha = rebalanced_alpha(class_counts[targets],
                                  class_counts[targets[partners]], alpha, k_im)
    index = torch.arange(mixed.numel(), device=mixed.device)
    last = torch.where(mixed, index, torch.zeros_like(index)).max()
    weight = torch.where(mixed, pair_alpha[last],
                         torch.ones_like(pair_alpha))[:, None]
    soft = weight * labels + (1 - weight) * labels.index_select(0, partners)
    return out, soft
