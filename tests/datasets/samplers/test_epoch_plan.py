"""epoch_plan and EpochPlanSampler: exact counts, ranks, resume."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from brl_mm.datasets.samplers import (ClassAwareSampler, RepeatFactorSampler,
                                      epoch_plan)
from brl_mm.datasets.samplers import epoch_plan_sampler as plan_module
from brl_mm.testing import REPO, free_port

LONG_TAIL = [0] * 50 + [1] * 20 + [2] * 5 + [3]


class Labels:
    """The least a sampler needs: a length and get_cat_ids."""

    def __init__(self, labels):
        self.labels = list(labels)

    def __len__(self):
        return len(self.labels)

    def get_cat_ids(self, idx):
        return [self.labels[idx]]


def _plan(rates, groups, length, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return epoch_plan(torch.tensor(rates, dtype=torch.float64),
                      torch.tensor(groups), length, gen)


def test_integer_shares_are_drawn_exactly():
    # rates 1:1:1:3 over 6 draws: samples 0-2 once, sample 3 three times
    for seed in range(20):
        plan = _plan([1., 1., 1., 3.], [0, 0, 0, 1], 6, seed)
        assert np.bincount(plan.numpy(), minlength=4).tolist() == [1, 1, 1, 3]


def test_fractional_shares_are_floor_or_ceil_and_unbiased():
    epochs = 400
    counts = np.stack([
        np.bincount(_plan([1., 1., 1., 0.], [0, 0, 1, 1], 4, s).numpy(),
                    minlength=4) for s in range(epochs)
    ])
    assert set(counts[:, :3].flatten()) <= {1, 2}
    assert (counts.sum(1) == 4).all()
    assert (counts[:, 3] == 0).all()  # rate 0: never drawn
    # group 0 (two samples, share 8/3) gets 2 or 3 every epoch
    assert set(counts[:, :2].sum(1)) <= {2, 3}
    # mean 4/3 each; one epoch's count is 1 or 2 (std <= 1/2), so the mean
    # of 400 independent epochs has std <= 0.025: 5 std = 0.125
    np.testing.assert_allclose(counts[:, :3].mean(0), 4 / 3, atol=0.125)


def test_plan_is_a_function_of_the_generator_seed():
    first = _plan([1., 2., 3.], [0, 1, 2], 12, seed=5)
    assert torch.equal(first, _plan([1., 2., 3.], [0, 1, 2], 12, seed=5))
    assert not torch.equal(first, _plan([1., 2., 3.], [0, 1, 2], 12, seed=6))


def _fake_ranks(monkeypatch, rank, world_size):
    monkeypatch.setattr(plan_module, 'get_dist_info',
                        lambda: (rank, world_size))


@pytest.mark.parametrize('world_size,length', [(2, 76), (3, 76), (2, 75)])
def test_ranks_draw_disjoint_shards_of_the_one_process_plan(
        monkeypatch, world_size, length):
    _fake_ranks(monkeypatch, 0, 1)
    single = ClassAwareSampler(Labels(LONG_TAIL), epoch_length=length,
                               seed=3)
    shards = []
    for rank in range(world_size):
        _fake_ranks(monkeypatch, rank, world_size)
        sampler = ClassAwareSampler(Labels(LONG_TAIL), epoch_length=length,
                                    seed=3)
        sampler.set_epoch(4)
        shards.append(list(sampler))
        assert len(sampler) == len(shards[-1]) == -(-length // world_size)
    single.set_epoch(4)
    plan = list(single)
    # position p of the plan went to rank p % world_size
    merged = [shards[p % world_size][p // world_size] for p in range(length)]
    assert merged == plan
    # round_up pads with the plan's first indices, as DefaultSampler
    pad = world_size * len(shards[0]) - length
    padded = [shards[p % world_size][p // world_size]
              for p in range(length, length + pad)]
    assert padded == plan[:pad]


def test_round_up_false_splits_without_padding(monkeypatch):
    lengths = []
    for rank in range(2):
        _fake_ranks(monkeypatch, rank, 2)
        lengths.append(
            len(list(ClassAwareSampler(Labels(LONG_TAIL), epoch_length=75,
                                       seed=0, round_up=False))))
    assert lengths == [38, 37]


def test_resume_repeats_the_epoch_plan():
    sampler = RepeatFactorSampler(Labels(LONG_TAIL), seed=11)
    epochs = []
    for epoch in range(5):
        sampler.set_epoch(epoch)
        epochs.append(list(sampler))
    assert len({tuple(e) for e in epochs}) == 5  # a new plan every epoch
    resumed = RepeatFactorSampler(Labels(LONG_TAIL), seed=11)
    resumed.set_epoch(3)  # what the loop does after --resume at epoch 3
    assert list(resumed) == epochs[3]
    assert torch.equal(resumed.plan(4), torch.tensor(epochs[4]))
    # the global RNG (the one EpochSeedHook seeds) is not touched
    torch.manual_seed(0)
    expected = torch.rand(1)
    torch.manual_seed(0)
    list(resumed)
    assert torch.equal(torch.rand(1), expected)


WORKER = r'''
import json, sys
import torch.distributed as dist
rank, port, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}',
                        rank=rank, world_size=2)
import brl_mm  # noqa: F401
from mmengine.registry import DATA_SAMPLERS
labels = [0] * 50 + [1] * 20 + [2] * 5 + [3]


class Labels:
    def __len__(self):
        return len(labels)

    def get_cat_ids(self, idx):
        return [labels[idx]]


# seed=None: rank 0 draws one and broadcasts it (sync_random_seed)
sampler = DATA_SAMPLERS.build(dict(type='ClassAwareSampler'),
                              default_args=dict(dataset=Labels(), seed=None))
shards = []
for epoch in range(3):
    sampler.set_epoch(epoch)
    shards.append(list(sampler))
with open(out, 'w') as f:
    json.dump(dict(seed=sampler.seed, shards=shards), f)
dist.destroy_process_group()
'''


@pytest.mark.slow
def test_two_gloo_processes_cover_the_one_process_plan(tmp_path):
    port = str(free_port())
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1')
    procs = [
        subprocess.Popen([
            sys.executable, '-c', WORKER,
            str(rank), port,
            str(tmp_path / f'rank{rank}.json')
        ],
                         env=env,
                         stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT,
                         text=True) for rank in range(2)
    ]
    for proc in procs:
        out, _ = proc.communicate(timeout=300)
        assert proc.returncode == 0, out[-3000:]
    ranks = [json.loads((tmp_path / f'rank{r}.json').read_text())
             for r in range(2)]
    assert ranks[0]['seed'] == ranks[1]['seed']
    single = ClassAwareSampler(Labels(LONG_TAIL), seed=ranks[0]['seed'])
    for epoch in range(3):
        single.set_epoch(epoch)
        plan = list(single)
        shard0, shard1 = ranks[0]['shards'][epoch], ranks[1]['shards'][epoch]
        assert shard0 == plan[0::2] and shard1 == plan[1::2]
        assert len(shard0) == len(shard1) == 38
