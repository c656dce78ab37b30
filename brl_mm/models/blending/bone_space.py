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
A bone is transplanted only where the partner's bone has a direction and the
receiver's a length; elsewhere the receiver keeps its own bone. So a padded
receiver person or frame stays as it is (all zeros, scores included), and
where the partner is padding (a padded person or frame, or two coincident
joints) the mixed sample is the receiver, bit for bit (only joints below a
transplanted bone are rebuilt).

The tree work is precomputed once per layout (:class:`BoneTree`: the
rebuilt joints and, for each, the bones on its path to the anchor), so a
call is a fixed number of batched tensor operations over the rebuilt joints
only (one gather along all paths at once): no loop over samples, frames,
joints or tree levels, no host-device synchronisation. Meant for joint-coordinate inputs (the ``j``
stream); on bone or motion features use ``space='joint'``.
"""
from typing import NamedTuple, Sequence, Tuple

import numpy as np
import torch

from .rebalance import mixed_soft_labels, write_mixed_rows

__all__ = ['BoneTree', 'bone_tree', 'bone_partial_mix']


class BoneTree(NamedTuple):
    """The part of a layout's bone tree that the bone-space mixup rebuilds.

    Only the ``n`` joints below a transplanted bone are touched (NTU-25: the
    8 leg joints), so every tensor is over those.

    Attributes:
        joints (torch.Tensor): ``(n,)`` int64, the rebuilt joints: those with
            a transplanted bone on their path to the root.
        parents (torch.Tensor): ``(n,)`` int64, the joint each hangs from.
        transplanted (torch.Tensor): ``(n,)`` bool, True where the joint's
            bone ``(v, parents[v])`` is a lower-body bone (``v`` and its
            parent both in the lower body), which takes the partner's
            direction.
        anchors (torch.Tensor): ``(n,)`` int64, the nearest ancestor of each
            that is not rebuilt (where the legs attach: NTU-25's pelvis).
        paths (torch.Tensor): ``(D, n)`` int64, ``paths[d, a]`` is the
            position (in ``joints``) of the ``d``-th joint up from
            ``joints[a]``: the bones between ``anchors[a]`` and ``joints[a]``
            (``D``: the longest such path).
        on_path (torch.Tensor): ``(D, n)`` bool, which entries of ``paths``
            are on the path (shorter paths are padded).
    """

    joints: torch.Tensor
    parents: torch.Tensor
    transplanted: torch.Tensor
    anchors: torch.Tensor
    paths: torch.Tensor
    on_path: torch.Tensor

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
    # ancestors[d] = the ancestor d levels up (the root stays the root): one
    # gather per tree level gives every joint's path at once
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
    last = on_path.shape[0] - 1 - np.argmax(on_path[::-1], axis=0)
    joints = index[moved]
    length = int(last[joints].max()) + 1 if len(joints) else 0
    in_path = np.arange(length)[:, None] <= last[joints][None, :]
    position = np.zeros(num_joints, dtype=np.int64)
    position[joints] = np.arange(len(joints))
    paths = np.where(in_path, position[ancestors[:length, joints]], 0)
    return BoneTree(
        joints=torch.from_numpy(joints),
        parents=torch.from_numpy(parent[joints]),
        transplanted=torch.from_numpy(lower_bones[joints]),
        anchors=torch.from_numpy(ancestors[last[joints] + 1, joints]),
        paths=torch.from_numpy(paths),
        on_path=torch.from_numpy(in_path))


def _along_paths(tree: BoneTree, per_joint: torch.Tensor) -> torch.Tensor:
    """``(..., n, c)`` values of the rebuilt joints, gathered along every
    joint's path: ``(..., D, n, c)``, zero past a path's end."""
    depth, n = tree.paths.shape
    gathered = per_joint.index_select(-2, tree.paths.flatten()).unflatten(
        -2, (depth, n))
    return gathered * tree.on_path[:, :, None]


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

    def leg_bones(xyz: torch.Tensor) -> torch.Tensor:  # (..., n, coords)
        return xyz.index_select(-2, tree.joints) - xyz.index_select(
            -2, tree.parents)

    own_bones = leg_bones(own_xyz)
    partner_bones = leg_bones(partner[..., :coord_dims].float())
    own_len = own_bones.norm(dim=-1, keepdim=True)
    partner_len = partner_bones.norm(dim=-1, keepdim=True)
    # (..., n, 1): transplant where the partner's bone has a direction and
    # the receiver's a length (zero padding is neither)
    take = tree.transplanted[:, None] & (partner_len > 0) & (own_len > 0)
    scale = own_len / partner_len.clamp_min(torch.finfo(torch.float32).tiny)
    new_bones = torch.where(take, partner_bones * scale, own_bones)
    rebuilt = own_xyz.index_select(-2, tree.anchors) + _along_paths(
        tree, new_bones).sum(-3)
    # a joint changes only where a bone on its path was transplanted, so
    # frames / persons without a partner direction stay bit-exact
    changed = _along_paths(tree, take).any(-3)
    legs = torch.where(changed, rebuilt, own_xyz.index_select(
        -2, tree.joints)).to(inputs.dtype)
    if inputs.shape[-1] > coord_dims:  # scores follow the transplanted bone
        scores = torch.where(
            take, partner[..., coord_dims:].index_select(-2, tree.joints),
            own[..., coord_dims:].index_select(-2, tree.joints))
        legs = torch.cat([legs, scores], dim=-1)
    mixed = own.index_copy_(-2, tree.joints, legs)
    out = write_mixed_rows(inputs, chosen, mixed, inplace)
    return out, mixed_soft_labels(one_hot, targets, chosen, partners,
                                  class_counts, alpha, k_im)
