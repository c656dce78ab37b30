"""Shared fixtures: tiny hand-built and synthetic skeleton pickles (the
helpers themselves live in :mod:`brl_mm.testing`)."""
import pytest

import brl_mm  # noqa: F401  (compat shims before any mmaction.models import)
from brl_mm.testing import TINY_TRAIN_LABELS, write_skeleton_pickle


@pytest.fixture
def tiny_pickle(tmp_path):
    """4 classes; train: 8/4/2/1 samples, val: 2 per class."""
    train_labels = TINY_TRAIN_LABELS
    val_labels = [0, 0, 1, 1, 2, 2, 3, 3]
    labels = train_labels + val_labels
    n_train = len(train_labels)
    path = str(tmp_path / 'tiny.pkl')
    ids = write_skeleton_pickle(
        path, labels,
        dict(xsub_train=range(n_train),
             xsub_val=range(n_train, len(labels))))
    return dict(path=path, ids=ids, n_train=n_train, labels=labels)


@pytest.fixture(scope='session')
def synthetic_pickle(tmp_path_factory):
    """A small synthetic long-tailed NTU-25 dataset (4 classes)."""
    from brl_mm.datasets import generate_synthetic_lt
    path = str(tmp_path_factory.mktemp('synthetic') / 'syn.pkl')
    data = generate_synthetic_lt(path, num_classes=4, n_max=8,
                                 imbalance_factor=4, val_per_class=3,
                                 min_frames=16, max_frames=24, seed=0)
    return dict(path=path, data=data, num_classes=4)
