"""Epoch plans with given per-sample rates, sharded over ranks.

Every class-rebalancing sampler of brl_mm is a rate per sample (how often,
in expectation, sample ``i`` appears in an epoch of ``N`` draws) plus this
module: :func:`epoch_plan` turns the rates into the ``N`` indices of one
epoch, and :class:`EpochPlanSampler` hands each rank its shard, the way
mmengine's ``DefaultSampler`` does.

The plan is a low-variance (systematic) version of ``N`` i.i.d. weighted
draws: samples are laid out grouped by class (classes and the samples
within a class in random order), each occupies an interval of length
``N * w_i`` on ``[0, N)``, and the points ``u, u + 1, ..., u + N - 1``
(one uniform ``u``) pick the samples whose intervals they hit; the picked
indices are then shuffled. So every sample appears ``floor(N w_i)`` or
``ceil(N w_i)`` times with mean exactly ``N w_i``, and (for single-label
data) every class ``floor`` or ``ceil`` of its target ``N p_c`` times, in
every epoch, instead of with binomial noise.

Randomness: one ``torch.Generator`` seeded with ``seed + epoch``, as
``DefaultSampler``; the runner calls :meth:`EpochPlanSampler.set_epoch` at
every epoch's start (also after ``--resume``), so epoch ``e``'s plan is a
function of ``(seed, e)`` alone, the same on every rank, and a resumed run
repeats it. The global RNGs are not touched, so
:class:`~brl_mm.engine.EpochSeedHook`'s streams are unchanged.
"""
import math
from abc import ABC, abstractmethod
from typing import Iterator, Optional, Sized, Tuple

import numpy as np
import torch
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from .class_ids import dataset_cat_ids

__all__ = ['epoch_plan', 'EpochPlanSampler', 'class_counts_of', 'first_class']


def epoch_plan(rates: torch.Tensor, groups: torch.Tensor, epoch_length: int,
               generator: torch.Generator) -> torch.Tensor:
    """The indices of one epoch, each sample ``i`` about ``rates[i]``-weighted.

    Args:
        rates (torch.Tensor): ``(L,)`` non-negative float64 weights of the
            samples (any scale; zero: never drawn).
        groups (torch.Tensor): ``(L,)`` int64 group (class) of each sample in
            ``[0, G)``; samples of a group are laid out together, which makes
            every group's count ``floor`` or ``ceil`` of its share.
        epoch_length (int): ``N``, indices in the plan.
        generator (torch.Generator): The only source of randomness.

    Returns:
        torch.Tensor: ``(N,)`` int64 indices into the dataset, shuffled.
    """
    num_groups = int(groups.max()) + 1 if groups.numel() else 0
    group_rank = torch.randperm(num_groups, generator=generator)
    members = torch.randperm(rates.numel(), generator=generator)
    _, by_group = torch.sort(group_rank[groups[members]], stable=True)
    order = members[by_group]
    order = order[rates[order] > 0]
    edges = torch.cumsum(rates[order], 0)
    edges = edges * (epoch_length / edges[-1])
    edges[-1] = epoch_length  # no rounding gap at the end
    points = torch.rand(1, generator=generator, dtype=torch.float64) + \
        torch.arange(epoch_length, dtype=torch.float64)
    picked = torch.searchsorted(edges, points, right=True)
    plan = order[picked.clamp_(max=order.numel() - 1)]
    return plan[torch.randperm(epoch_length, generator=generator)]


class EpochPlanSampler(Sampler, ABC):
    """Base of the class-rebalancing samplers: epoch plans, DDP shards.

    Subclasses give the per-sample rates (:meth:`sample_rates`). Every rank
    builds the same plan of ``epoch_length`` indices from ``seed + epoch``
    and takes the positions ``rank, rank + world_size, ...`` of it, so the
    ranks draw disjoint shards of one epoch plan, and a 2-rank run sees the
    1-process plan.

    Args:
        dataset (Sized): The dataset (wrappers such as ``RepeatDataset`` are
            seen through; see :func:`dataset_cat_ids`).
        epoch_length (int, optional): Indices per epoch over all ranks.
            Defaults to None: :meth:`default_epoch_length`.
        seed (int, optional): Base seed, the same on every rank. None draws
            one on rank 0 and broadcasts it (mmengine's
            ``sync_random_seed``); the runner passes its seed.
        round_up (bool): Pad the plan (with its own first indices) to a
            multiple of the world size, so every rank has the same number
            of samples, as ``DefaultSampler``. Defaults to True.
    """

    def __init__(self,
                 dataset: Sized,
                 epoch_length: Optional[int] = None,
                 seed: Optional[int] = None,
                 round_up: bool = True) -> None:
        self.rank, self.world_size = get_dist_info()
        self.dataset = dataset
        cat_ids = dataset_cat_ids(dataset)
        if not cat_ids:
            raise ValueError(f'{type(self).__name__}: the dataset is empty')
        rates, groups = self.sample_rates(cat_ids)
        if not (rates > 0).any():
            raise ValueError(f'{type(self).__name__}: no sample of the '
                             'dataset has a class id to sample by')
        self.rates = torch.from_numpy(np.asarray(rates, dtype=np.float64))
        self.groups = torch.from_numpy(np.asarray(groups, dtype=np.int64))
        if epoch_length is None:
            epoch_length = self.default_epoch_length(cat_ids)
        if isinstance(epoch_length, bool) or not isinstance(
                epoch_length, (int, np.integer)) or epoch_length < 1:
            raise ValueError(f'{type(self).__name__}: epoch_length must be a '
                             f'positive int, got {epoch_length!r}')
        self.epoch_length = int(epoch_length)
        self.seed = sync_random_seed() if seed is None else int(seed)
        self.epoch = 0
        self.round_up = round_up
        if round_up:
            self.num_samples = math.ceil(self.epoch_length / self.world_size)
            self.total_size = self.num_samples * self.world_size
        else:
            self.num_samples = math.ceil(
                (self.epoch_length - self.rank) / self.world_size)
            self.total_size = self.epoch_length

    # ------------------------------------------------------- for subclasses
    @abstractmethod
    def sample_rates(self, cat_ids) -> Tuple[np.ndarray, np.ndarray]:
        """Per-sample rates and groups (see :func:`epoch_plan`).

        Args:
            cat_ids (list[list[int]]): The class ids of every sample.

        Returns:
            tuple[np.ndarray, np.ndarray]: ``(L,)`` float64 rates and
            ``(L,)`` int64 groups.
        """

    def default_epoch_length(self, cat_ids) -> int:
        """Epoch length when none is given: the dataset's length."""
        return len(cat_ids)

    # ---------------------------------------------------------- the sampler
    def plan(self, epoch: Optional[int] = None) -> torch.Tensor:
        """The whole epoch plan, before sharding.

        Args:
            epoch (int, optional): Defaults to the current epoch.

        Returns:
            torch.Tensor: ``(epoch_length,)`` int64 dataset indices.
        """
        generator = torch.Generator()
        generator.manual_seed(self.seed +
                              (self.epoch if epoch is None else epoch))
        return epoch_plan(self.rates, self.groups, self.epoch_length,
                          generator)

    def __iter__(self) -> Iterator[int]:
        """This rank's shard of the current epoch's plan."""
        indices = self.plan()
        if self.round_up and self.total_size > indices.numel():
            repeats = math.ceil(self.total_size / indices.numel())
            indices = indices.repeat(repeats)[:self.total_size]
        shard = indices[self.rank:self.total_size:self.world_size]
        return iter(shard.tolist())

    def __len__(self) -> int:
        """Samples of this rank per epoch."""
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch (mmengine's loop and ``DistSamplerSeedHook`` call it
        at every epoch's start)."""
        self.epoch = epoch


def class_counts_of(cat_ids) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flatten class ids and count the samples of each class.

    Args:
        cat_ids (list[list[int]]): The class ids of every sample.

    Returns:
        tuple[np.ndarray, np.ndarray, np.ndarray]: ``item`` and ``cls``,
        one entry per (sample, class) pair (duplicates within a sample
        dropped), and ``counts[c]``, the samples holding class ``c``.
    """
    lengths = np.fromiter((len(ids) for ids in cat_ids), dtype=np.int64,
                          count=len(cat_ids))
    cls = np.fromiter((c for ids in cat_ids for c in ids), dtype=np.int64,
                      count=int(lengths.sum()))
    item = np.repeat(np.arange(len(cat_ids)), lengths)
    if cls.size and cls.min() < 0:
        raise ValueError('class ids must be >= 0, got '
                         f'{int(cls.min())} for sample '
                         f'{int(item[np.argmin(cls)])}')
    if cls.size:
        item, cls = np.unique(np.stack([item, cls]), axis=1)
    return item, cls, np.bincount(cls)


def first_class(item: np.ndarray, cls: np.ndarray,
                num_items: int) -> np.ndarray:
    """Group of each sample: its lowest class id; samples without one form
    the extra group ``max + 1``."""
    groups = np.full(num_items, cls.max() + 1 if cls.size else 0,
                     dtype=np.int64)
    np.minimum.at(groups, item, cls)
    return groups
