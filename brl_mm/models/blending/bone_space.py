"""Kinematically consistent partial mixup: mixing in bone space.

``RebalancedPartialMix(space='bone')`` uses these functions. Where the joint
version copies the partner's lower-body joint *positions* (which may float
away from the receiver's hips, with the partner's leg lengths), the bone
version keeps the receiver's skeleton and moves only its legs:

1. bone vectors ``b[v] = x[v] - x[parents[v]]`` of receiver and partner;
2. every *lower-body bone* (``v`` and ``parents[v]`` both in the layout's
   ``lower_body``: NTU-25's pelvis-hip, hip-knee, knee-ankle, ankle-foot)
   takes the partner's direction with the receiver's length,
   ``b'[v] = b_partner[v] * |b_receiver[v]| / |b_partner[v]|``;
3. the joints below those bones are rebuilt from the receiver's own joint
   where the lower body attaches (NTU-25's pelvis ``spine_base``, COCO-17's
   hips), ``x'[v] = x[anchor(v)] + sum of b' along the path``.

So the mixed skeleton stays connected, every bone keeps the receiver's
length, and all other joints (the whole upper body and the attachment
joints) stay the receiver's bit for bit. Only the coordinate channels
(``coord_dims``: x, y, z; x, y for 2D layouts) are bone vectors; further
channels (2D keypoint scores) of a joint whose bone was transplanted come
from the partner, like the joint version's.

Zero padding: a person or frame that is all zeros has bones of length 0.
A receiver's zero-length bone stays zero (a padded receiver person stays
all zeros); where the *partner's* bone has length 0 (a padded partner person
or frame, or two coincident joints) no direction exists and the receiver
keeps its own bone, so the mixed sample is the receiver there (bit for
bit: only joints below a transplanted bone are rebuilt).

The tree work is precomputed once per layout (:class:`BoneTree`, one
``(V, V)`` path matrix), so a call is a fixed number of batched tensor
operations: no loop over samples, frames, joints or tree levels, no
host-device synchronisation. Meant for joint-coordinate inputs (the ``j``
stream); on bone or motion features use ``space='joint'``.
"""
from typing import NamedTuple, Sequence, Tuple

import numpy as np
import torch

from .rebalance import mixed_soft_labels, write_mixed_rows

__all__ = ['BoneTree', 'bone_tree', 'bone_partial_mix']


class BoneTree(NamedTuple):
    """The bone tree of a layout, prepared for :func:`bone_partial_mix`.

    Attributes:
        parents (torch.Tensor): ``(V,)`` int64, ``parents[root] == root``.
        lower_bones (torch.Tensor): ``(V,)`` bool, True where the bone
            ``(v, parents[v])`` is transplanted.
        moved (torch.Tensor): ``(V,)`` bool, joints rebuilt from an anchor
            (a transplanted bone on their path to the root).
        anchors (torch.Tensor): ``(V,)`` int64, nearest ancestor of each
            moved joint that is not moved (``v`` itself where not moved).
        paths (torch.Tensor): ``(V, V)`` float32, ``paths[v, u] == 1`` when
            bone ``u`` lies between ``anchors[v]`` and ``v``.
    """

    parents: torch.Tensor
    lower_bones: torch.Tensor
    moved: torch.Tensor
    anchors: torch.Tensor
    paths: torch.Tensor

    def to(self, device: torch.device) -> 'BoneTree':
        """The same tree on ``device``."""
        return BoneTree(*(t.to(device) for t in self))


def bone_tree(parents: Sequence[int],
              lower_body: Sequence[int]) -> BoneTree:
    """Prepare a layout's bone tree for the bone-space mixup.

    Args:
        parents (Sequence[int]): ``parents[v]``, the joint ``v`` hangs from;
            the root is its own parent.
        lower_body (Sequence[int]): The joints the mixup takes from the
            partner.

    Returns:
        BoneTree: The tensors on the CPU.
    """
    parent = np.asarray(parents, dtype=np.int64)
    num_joints = len(parent)
    index = np.arange(num_joints)
    lower = np.zeros(num_joints, dtype=bool)
    lower[list(lower_body)] = True
    lower_bones = lower & lower[parent] & (parent != index)
    # ancestors[d] = the ancestor d levels up (the root stays the root), so
    # one gather per tree level builds every joint's path at once
    ancestors = [index]
    for _ in range(num_joints):
        up = parent[ancestors[-1]]
        if np.array_equal(up, ancestors[-1]):
            break
        ancestors.append(up)
    else:
        raise ValueError(f'parents {tuple(parents)} do not form a tree')
    ancestors = np.stack(ancestors)  # (depth + 1, V), the last row all root
    on_path = lower_bones[ancestors]  # (D, V): bone of v's d-th ancestor
    moved = on_path.any(axis=0)
    # v's path runs up to its topmost transplanted bone (level `last`); the
    # joint above it is the anchor, every bone below it is rebuilt
    last = np.where(moved, on_path.shape[0] - 1 -
                    np.argmax(on_path[::-1], axis=0), -1)
    depth_index = np.arange(on_path.shape[0])[:, None]
    in_path = depth_index <= last[None, :]
    anchors = np.where(moved, ancestors[np.maximum(last, 0) + 1, index],
                       index)
    paths = np.zeros((num_joints, num_joints), dtype=np.float32)
    rows = np.broadcast_to(index, ancestors.shape)
    paths[rows[in_path], ancestors[in_path]] = 1.0
    return BoneTree(
        parents=torch.from_numpy(parent),
        lower_bones=torch.from_numpy(lower_bones),
        moved=torch.from_numpy(moved),
        anchors=torch.from_numpy(anchors),
        paths=torch.from_numpy(paths))


def _bones(coords: torch.Tensor, parents: torch.Tensor) -> torch.Tensor:
    """Bone vectors ``x[v] - x[parents[v]]`` (zero at the root)."""
    return coords - coords.index_select(-2, parents)


def bone_partial_mix(inputs: torch.Tensor,
                     one_hot: torch.Tensor,
                     targets: torch.Tensor,
                     chosen: torch.Tensor,
                     partners: torch.Tensor,
                     tree: BoneTree,
                     coord_dims: int,
                     class_counts: torch.Tensor,
                     alpha: float,
                     k_im: float,
                     inplace: bool = False
                     ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Rebalanced partial mixup in bone space for given pairs.

    Args:
        inputs (torch.Tensor): ``(B, ..., V, C)`` joint coordinates (first
            ``coord_dims`` channels; further channels, e.g. scores, are
            carried along); modified only with ``inplace=True``.
        one_hot (torch.Tensor): ``(B, K)`` float labels of the batch.
        targets (torch.Tensor): ``(B,)`` int64 class of each sample.
        chosen (torch.Tensor): ``(k,)`` distinct indices of the receivers.
        partners (torch.Tensor): ``(k,)`` partner of each receiver.
        tree (BoneTree): :func:`bone_tree` of the layout, on the inputs'
            device.
        coord_dims (int): Leading channels that are coordinates.
        class_counts (torch.Tensor): ``(K,)`` training-set counts.
        alpha (float): Label weight when neither class dominates.
        k_im (float): Imbalance factor of the rebalancing rule.
        inplace (bool): Write the ``k`` mixed samples into ``inputs``.
            Defaults to False.

    Returns:
        tuple[torch.Tensor, torch.Tensor]: Mixed inputs (same shape and
        dtype) and ``(B, K)`` float32 soft labels, the same labels as the
        joint version gives for these pairs.
    """
    if inputs.shape[-1] < coord_dims:
        raise ValueError(
            f'bone-space mixup: inputs have {inputs.shape[-1]} channels, '
            f'fewer than the layout\'s {coord_dims} coordinate dims')
    own = inputs.index_select(0, chosen)
    partner = inputs.index_select(0, partners)
    own_xyz = own[..., :coord_dims].float()
    own_bones = _bones(own_xyz, tree.parents)
    partner_bones = _bones(partner[..., :coord_dims].float(), tree.parents)
    own_len = own_bones.norm(dim=-1, keepdim=True)
    partner_len = partner_bones.norm(dim=-1, keepdim=True)
    # (..., V, 1): transplant where the partner's bone has a direction
    take = tree.lower_bones[:, None] & (partner_len > 0)
    scale = own_len / partner_len.clamp_min(torch.finfo(torch.float32).tiny)
    new_bones = torch.where(take, partner_bones * scale, own_bones)
    rebuilt = own_xyz.index_select(-2, tree.anchors) + torch.einsum(
        'vu,...uc->...vc', tree.paths, new_bones)
    # a joint changes only where a bone on its path was transplanted, so
    # frames / persons without a partner direction stay bit-exact
    changed = torch.einsum('vu,...uc->...vc', tree.paths, take.float()) > 0
    mixed_xyz = torch.where(changed, rebuilt, own_xyz)
    mixed = own.clone()
    mixed[..., :coord_dims] = mixed_xyz.to(inputs.dtype)
    if inputs.shape[-1] > coord_dims:  # scores follow the transplanted bone
        mixed[..., coord_dims:] = torch.where(take, partner[...,
                                                           coord_dims:],
                                              own[..., coord_dims:])
    out = write_mixed_rows(inputs, chosen, mixed, inplace)
    return out, mixed_soft_labels(one_hot, targets, chosen, partners,
                                  class_counts, alpha, k_im)
