"""A checkpoint written before the renovation (issue 15 item 7) loads and
resumes after it.

``tests/data/pre_renovation/epoch_{1,2}.pth`` were written by brl-mm at
commit 69efc64 (before any file moved): the schedule tests' tiny config
(``brl_mm.testing.tiny_train_config``, 2 epochs, stage 2 from epoch 1, plus
``EpochSeedHook`` and ``randomness=dict(seed=0, deterministic=True)``) on
``generate_synthetic_lt(num_classes=4, n_max=8, imbalance_factor=4,
val_per_class=2, min_frames=16, max_frames=20, seed=0)``, which the generator
reproduces bit for bit. Resuming epoch 1 with today's code must give the old
epoch 2; its class counts come from the old checkpoint's ``dataset_meta``
(written before ``meta['class_counts']`` existed).

"The old epoch 2" is pinned to float rounding, not to the bit: the fixture
was written on another CPU, and oneDNN/MKL pick kernels (and so summation
orders) by CPU, which moves the last bits (measured: an AMD EPYC with AVX2
differs from the fixture by at most 3e-8 per value). Bitwise resume on one
machine is pinned by ``tests/e2e/test_sampler_training.py``. The tolerance still
tells the old epoch from any other: the gap is 5e-8 of what epoch 2 changed,
while resuming with another seed (other batches, other mixup draws) leaves
a gap of 3e-2 of it.
"""
import os.path as osp

import torch
from mmengine.runner import Runner

from brl_mm.compat import load_from_local_trusted
from brl_mm.datasets import generate_synthetic_lt
from brl_mm.engine import checkpoint_class_counts
from brl_mm.testing import REPO, tiny_train_config

OLD = osp.join(REPO, 'tests', 'data', 'pre_renovation')


def test_old_checkpoint_resumes_to_the_old_next_epoch(tmp_path):
    pkl = str(tmp_path / 'tiny.pkl')
    generate_synthetic_lt(pkl, num_classes=4, n_max=8, imbalance_factor=4,
                          val_per_class=2, min_frames=16, max_frames=20,
                          seed=0)
    old1 = load_from_local_trusted(osp.join(OLD, 'epoch_1.pth'))
    assert 'class_counts' not in old1['meta']  # written before the move
    assert checkpoint_class_counts(old1).tolist() == [8, 5, 3, 2]

    cfg = tiny_train_config(pkl, str(tmp_path / 'resumed'), max_epochs=2,
                            switch_epoch=1)
    cfg.custom_hooks.append(dict(type='EpochSeedHook'))
    cfg.randomness = dict(seed=0, deterministic=True)
    cfg.resume = True
    cfg.load_from = osp.join(OLD, 'epoch_1.pth')
    Runner.from_cfg(cfg).train()

    new2 = load_from_local_trusted(str(tmp_path / 'resumed' / 'epoch_2.pth'))
    old2 = load_from_local_trusted(osp.join(OLD, 'epoch_2.pth'))
    assert new2['meta']['epoch'] == old2['meta']['epoch'] == 2
    assert new2['meta']['class_counts'] == [8, 5, 3, 2]
    assert new2['state_dict'].keys() == old2['state_dict'].keys()
    old1_sd, old2_sd, new2_sd = (c['state_dict'] for c in (old1, old2, new2))
    for key, value in old2_sd.items():
        torch.testing.assert_close(new2_sd[key], value, rtol=1e-5, atol=1e-6,
                                   msg=key)
    floats = [k for k, v in old2_sd.items() if v.is_floating_point()]
    gap = torch.stack([(new2_sd[k] - old2_sd[k]).norm() for k in floats])
    step = torch.stack([(old2_sd[k] - old1_sd[k]).norm() for k in floats])
    assert gap.norm() < 1e-5 * step.norm()
