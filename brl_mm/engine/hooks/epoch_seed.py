"""Exact ``--resume``: random state as a function of (seed, epoch).

What draws random numbers during brl_mm training:

* torch's global RNG in the main process: the mixup
  (:class:`~brl_mm.models.blending.RebalancedPartialMix`: ``randperm``,
  ``randint``), dropout, and every ``DataLoader`` iterator, which draws the
  ``base_seed`` of its workers from it when it is created (every epoch, also
  for the validation loader);
* numpy's (and Python's) global RNG used by the transforms
  (``UniformSampleFrames``, ``RandomRot``, ``RandomScale``, ...), in the main
  process (``num_workers=0``) or in each loader worker;
* the sampler's order: mmengine's ``DefaultSampler`` shuffles with its own
  generator seeded by ``seed + epoch`` (``DistSamplerSeedHook``), so it
  already resumes exactly.

mmengine's resume restores the weights, the optimizer, the schedulers, the
epoch and the seed, but not the *state* of the global RNGs: a resumed run
continues from the state right after building the model (or from
``set_randomness(seed)``), not from the state the uninterrupted run had
reached after ``e`` epochs (and after its validation, which moves both RNGs:
the val loader draws a worker seed, mmaction's ``UniformSampleFrames`` in
test mode calls ``np.random.seed(255)``). Saving the RNG state in the
checkpoint does not suffice either: the checkpoint is written in
``after_train_epoch``, before the validation that the uninterrupted run then
performs.

:class:`EpochSeedHook` therefore re-seeds torch, numpy and ``random`` at the
start of every training epoch from ``(seed, epoch)``. Everything random in
epoch ``e`` then depends only on the seed, ``e`` and the restored training
state, identically in an uninterrupted and in a resumed run. Loader workers
created per epoch (``persistent_workers=False``) get their seeds from the
loader's ``base_seed``, which is drawn from the re-seeded torch RNG, so they
resume exactly too when :func:`epoch_worker_init_fn` replaces mmengine's
default ``worker_init_fn`` (the default re-seeds every worker with the same
epoch-independent ``seed + worker_id`` each epoch: resumable, but every epoch
repeats the same random streams). Persistent workers carry their RNG state
across epochs in processes that a resume cannot restore: the hook warns.
"""
import logging
import random
from typing import Optional

import numpy as np
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.registry import FUNCTIONS

from mmaction.registry import HOOKS

__all__ = ['EpochSeedHook', 'epoch_seed', 'epoch_worker_init_fn']


def epoch_seed(seed: int, epoch: int, rank: int = 0) -> int:
    """A 32-bit seed for ``epoch`` of a run seeded with ``seed``.

    Args:
        seed (int): The run's seed (``runner.seed``).
        epoch (int): 0-based training epoch.
        rank (int): Process rank, mixed in only when the run asks for
            different seeds per rank. Defaults to 0.

    Returns:
        int: A seed in ``[0, 2**32)``, a fixed function of the arguments.
    """
    entropy = [int(seed) & 0xFFFFFFFF, int(epoch), int(rank), 0x42524C]
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])


@FUNCTIONS.register_module()
def epoch_worker_init_fn(worker_id: int) -> None:
    """Seed numpy and ``random`` in a loader worker from torch's worker seed.

    torch seeds each worker's torch RNG with ``base_seed + worker_id``, where
    ``base_seed`` is drawn from the main process's torch RNG when the epoch's
    iterator is created; with :class:`EpochSeedHook` that makes every
    worker's numpy stream a function of (seed, epoch, rank, worker), new each
    epoch and identical after ``--resume``. Use it in a dataloader config as
    ``worker_init_fn=dict(type='epoch_worker_init_fn')``.

    Args:
        worker_id (int): Worker index in ``[0, num_workers)``.
    """
    base = torch.initial_seed()  # base_seed + worker_id, set by torch
    state = np.random.SeedSequence(
        [base & 0xFFFFFFFF, base >> 32, int(worker_id),
         get_rank()]).generate_state(2)
    np.random.seed(int(state[0]))
    random.seed(int(state[1]))


@HOOKS.register_module()
class EpochSeedHook(Hook):
    """Re-seed torch, numpy and ``random`` at each training epoch's start.

    Makes ``--resume`` reproduce an uninterrupted run (bitwise on CPU with
    ``--deterministic``): see the module docstring for what draws random
    numbers and why restoring mmengine's checkpoint alone does not suffice.
    It runs first in ``before_train_epoch`` (priority ``VERY_HIGH``), before
    the epoch's dataloader iterator draws its worker seeds.

    Args:
        seed (int, optional): Base seed. ``None`` uses ``runner.seed``
            (``--seed`` / ``randomness.seed``, restored by ``--resume``).
        warn_persistent_workers (bool): Warn once when the training loader
            keeps persistent workers, whose RNG state a resume cannot
            restore. Defaults to True.
    """

    priority = 'VERY_HIGH'

    def __init__(self,
                 seed: Optional[int] = None,
                 warn_persistent_workers: bool = True) -> None:
        if seed is not None and (isinstance(seed, bool)
                                 or not isinstance(seed, int)):
            raise TypeError(f'seed must be an int or None, got {seed!r}')
        self.seed = seed
        self.warn_persistent_workers = warn_persistent_workers
        self.last_epoch_seed: Optional[int] = None

    def before_train(self, runner) -> None:
        """Warn about loader settings that break exact resume."""
        if not self.warn_persistent_workers:
            return
        loader = runner.train_dataloader
        if (getattr(loader, 'num_workers', 0) > 0
                and getattr(loader, 'persistent_workers', False)):
            print_log(
                'EpochSeedHook: the training loader keeps persistent workers; '
                'their numpy RNG state carries over epochs and is not in the '
                'checkpoint, so a --resume run draws other augmentations. '
                'For an exact resume set train_dataloader.persistent_workers'
                "=False and worker_init_fn=dict(type='epoch_worker_init_fn').",
                logger='current',
                level=logging.WARNING)

    def before_train_epoch(self, runner) -> None:
        """Seed torch (all devices), numpy and ``random`` from the epoch."""
        base = self.seed if self.seed is not None else runner.seed
        if base is None:
            return
        diff_rank = bool(
            (getattr(runner, '_randomness_cfg', None) or {}).get(
                'diff_rank_seed', False))
        seed = epoch_seed(base, runner.epoch,
                          runner.rank if diff_rank else 0)
        torch.manual_seed(seed)  # also seeds every CUDA device
        np.random.seed(seed)
        random.seed(seed)
        self.last_epoch_seed = seed
