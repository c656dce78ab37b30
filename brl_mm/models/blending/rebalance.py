"""The rebalancing rule of BRL's partial mixup (spec section 1.3).

Shared by :mod:`.rebalanced_partial_mix` (the mixup as the paper means it),
:mod:`.bone_space` (its kinematically consistent variant) and :mod:`.legacy`
(the reproduction of the original code).
"""
from typing import Sequence, Union

import torch

__all__ = [
    'rebalanced_alpha', 'mixed_soft_labels', 'write_mixed_rows',
    'as_joint_index'
]


def rebalanced_alpha(own_counts: torch.Tensor, partner_counts: torch.Tensor,
                     alpha: float, k_im: float) -> torch.Tensor:
    """Per-pair label weight of the sample's own class (spec section 1.3).

    Args:
        own_counts (torch.Tensor): ``n[y_i]``, training count of each mixed
            sample's class.
        partner_counts (torch.Tensor): ``n[y_j]`` of the partners.
        alpha (float): Weight when neither class dominates.
        k_im (float): Imbalance factor that counts as "far more frequent".

    Returns:
        torch.Tensor: ``0`` where ``n[y_i] > k_im * n[y_j]``, ``1`` where
        ``n[y_j] > k_im * n[y_i]``, ``alpha`` otherwise (float32).
    """
    own = own_counts.float()
    partner = partner_counts.float()
    mid = torch.full_like(own, float(alpha))
    return torch.where(
        own > k_im * partner, torch.zeros_like(own),
        torch.where(partner > k_im * own, torch.ones_like(own), mid))


def as_joint_index(joints: Union[Sequence[int], torch.Tensor],
                   device: torch.device) -> torch.Tensor:
    """Joint indices as an int64 tensor on ``device``."""
    return torch.as_tensor(joints, dtype=torch.long, device=device)


def mixed_soft_labels(one_hot: torch.Tensor, targets: torch.Tensor,
                      chosen: torch.Tensor, partners: torch.Tensor,
                      class_counts: torch.Tensor, alpha: float,
                      k_im: float) -> torch.Tensor:
    """Soft labels of a batch whose ``chosen`` samples were mixed with
    ``partners``: ``w * y_i + (1 - w) * y_j`` with the rebalanced ``w``.

    Args:
        one_hot (torch.Tensor): ``(B, K)`` float labels of the batch.
        targets (torch.Tensor): ``(B,)`` int64 class of each sample (indexes
            ``class_counts``).
        chosen (torch.Tensor): ``(k,)`` distinct indices of the mixed samples.
        partners (torch.Tensor): ``(k,)`` partner of each chosen sample.
        class_counts (torch.Tensor): ``(K,)`` training-set counts.
        alpha (float): Label weight when neither class dominates.
        k_im (float): Imbalance factor of the rebalancing rule.

    Returns:
        torch.Tensor: ``(B, K)`` float32 labels; rows not in ``chosen`` are
        ``one_hot``'s.
    """
    labels = one_hot.float()
    weight = rebalanced_alpha(class_counts[targets[chosen]],
                              class_counts[targets[partners]], alpha,
                              k_im)[:, None]
    mixed_labels = weight * labels.index_select(
        0, chosen) + (1 - weight) * labels.index_select(0, partners)
    return labels.index_copy(0, chosen, mixed_labels)


def write_mixed_rows(inputs: torch.Tensor, chosen: torch.Tensor,
                     mixed: torch.Tensor, inplace: bool) -> torch.Tensor:
    """``inputs`` with its rows ``chosen`` replaced by ``mixed``.

    Args:
        inputs (torch.Tensor): ``(B, ...)`` batch.
        chosen (torch.Tensor): ``(k,)`` distinct row indices.
        mixed (torch.Tensor): ``(k, ...)`` the new rows.
        inplace (bool): Write into ``inputs`` (returned) instead of a copy.

    Returns:
        torch.Tensor: The batch with the mixed rows.
    """
    if inplace:
        return inputs.index_copy_(0, chosen, mixed)
    return inputs.index_copy(0, chosen, mixed)
