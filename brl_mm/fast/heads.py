"""A GCN classification head whose training loss needs no host sync.

Stock mmaction2 ``BaseHead.loss_by_feat`` computes the top-k training
accuracy with ``cls_scores.detach().cpu().numpy()`` on every step with hard
labels: a device-to-host copy (a GPU sync in the middle of the step, before
backward is queued) and an error under bf16 autocast (numpy has no bfloat16).
:class:`SyncFreeGCNHead` is mmaction's ``GCNHead`` with the same parameters
(so checkpoints load either way) and the same loss; only the accuracy is
computed on the device (or skipped with ``train_accuracy=False``).
"""
from typing import Dict, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmaction.models.heads import GCNHead
from mmaction.registry import MODELS
from mmaction.utils import SampleList

__all__ = ['SyncFreeGCNHead', 'top_k_accuracy_on_device']


def top_k_accuracy_on_device(scores: torch.Tensor, labels: torch.Tensor,
                             topk: Sequence[int]) -> Tuple[torch.Tensor, ...]:
    """Top-k accuracy as 0-dim float32 tensors on the scores' device.

    Same definition as ``mmaction.evaluation.top_k_accuracy`` (a sample is
    right when its label is among the ``k`` highest scores; ``k`` larger than
    the number of classes counts every sample as right), without leaving the
    device. Only ties between equal scores may be ranked differently.

    Args:
        scores (torch.Tensor): ``(B, K)`` class scores, any float dtype.
        labels (torch.Tensor): ``(B,)`` integer class labels.
        topk (Sequence[int]): The k values.

    Returns:
        tuple[torch.Tensor, ...]: One accuracy in ``[0, 1]`` per k.
    """
    num_classes = scores.size(1)
    max_k = min(max(topk), num_classes)
    ranked = scores.topk(max_k, dim=1).indices  # (B, max_k), best first
    hits = ranked == labels.view(-1, 1).to(ranked.dtype)
    return tuple(hits[:, :min(k, num_classes)].any(dim=1).float().mean()
                 for k in topk)


@MODELS.register_module()
class SyncFreeGCNHead(GCNHead):
    """mmaction2's ``GCNHead`` with a training loss free of host syncs.

    Parameters, forward, prediction and the loss value are those of
    ``GCNHead`` (``tests/fast/test_heads.py`` checks the loss and its gradients
    against the stock head, hard and soft labels). The ``top{k}_acc`` log
    entries of hard-label batches are computed on the device; soft-label
    batches (mixup) log no accuracy, as in the stock head.

    Args:
        train_accuracy (bool): Log the top-k training accuracy of hard-label
            batches. Defaults to True.
        **kwargs: The arguments of ``GCNHead`` (``num_classes``,
            ``in_channels``, ``loss_cls``, ``dropout``, ``topk``, ...).
    """

    def __init__(self, *args, train_accuracy: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.train_accuracy = train_accuracy

    def loss_by_feat(self, cls_scores: torch.Tensor,
                     data_samples: SampleList) -> Dict:
        """The loss (and device-side top-k accuracy) of a batch.

        Args:
            cls_scores (torch.Tensor): ``(B, num_classes)`` class scores.
            data_samples (list[ActionDataSample]): The batch's samples; their
                ``gt_label`` is a class index or a ``(num_classes,)`` soft
                label.

        Returns:
            dict: ``loss_cls`` (and ``top{k}_acc`` for hard labels).
        """
        labels = torch.stack([x.gt_label for x in data_samples])
        labels = labels.to(cls_scores.device, non_blocking=True).squeeze()
        # the stock head's shape handling: a batch of one sample, and soft
        # labels of a batch of one (labels then have the scores' shape)
        if labels.dim() == 0:
            labels = labels.unsqueeze(0)
        elif (labels.dim() == 1 and labels.size(0) == self.num_classes
              and cls_scores.size(0) == 1):
            labels = labels.unsqueeze(0)

        losses = dict()
        hard = cls_scores.size() != labels.size()
        if hard and self.train_accuracy:
            accuracies = top_k_accuracy_on_device(cls_scores.detach(), labels,
                                                  self.topk)
            for k, acc in zip(self.topk, accuracies):
                losses[f'top{k}_acc'] = acc
        if self.label_smooth_eps != 0:
            if hard:
                labels = F.one_hot(labels, num_classes=self.num_classes)
            labels = ((1 - self.label_smooth_eps) * labels +
                      self.label_smooth_eps / self.num_classes)

        loss_cls = self.loss_cls(cls_scores, labels)
        if isinstance(loss_cls, dict):
            losses.update(loss_cls)
        else:
            losses['loss_cls'] = loss_cls
        return losses

    def extra_repr(self) -> str:
        return f'train_accuracy={self.train_accuracy}'
