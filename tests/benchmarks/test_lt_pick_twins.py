"""benchmarks/effect/twins.py and lt_pick_twins.py: the twins picked by the
1-NN confusion, on hand-made features and on generated data."""
import os.path as osp
import pickle
import sys

import numpy as np
import pytest

from brl_mm.testing import REPO

sys.path.insert(0, osp.join(REPO, 'benchmarks'))
import lt_pick_twins as P  # noqa: E402
from effect import data_stats as S  # noqa: E402
from effect import experiments as E  # noqa: E402
from effect import twins as T  # noqa: E402

UTKINECT = osp.join(REPO, '..', 'shared', 'data', 'real',
                    'utkinect_ntu25.pkl')


def test_confusion_matrix_and_distance():
    conf = S.confusion_matrix(np.array([0, 0, 1, 1, 1]),
                              np.array([0, 1, 1, 1, 0]), 3)
    np.testing.assert_allclose(conf, [[.5, .5, 0], [1 / 3, 2 / 3, 0],
                                      [0, 0, 0]])
    assert T.confusion_distance(conf, conf) == 0
    eye = np.eye(3)
    # rows: TV 0.5, 1/3 and 0.5 (half the L1 of an empty row against a
    # one-hot one)
    assert T.confusion_distance(conf, eye) == pytest.approx(
        (0.5 + 1 / 3 + 0.5) / 3)
    pred = S.nearest_labels(np.array([[0.], [1.], [5.]]), np.array([7, 8, 9]),
                            np.array([[0.4], [0.6], [4.], [0.5]]))
    assert pred.tolist() == [7, 8, 9, 7]  # a tie goes to the first row


def _pool(centres):
    """A one-seed pool: candidate ``c``'s takes are noise around
    ``centres[c]`` (1-D features), training takes at every count."""
    rng = np.random.default_rng(0)
    train = {(c, n): centres[c] + 0.01 * rng.normal(size=(n, 1))
             for c in range(len(centres)) for n in (1, 2, 3)}
    test = {c: centres[c] + 0.01 * rng.normal(size=(4, 1))
            for c in range(len(centres))}
    return T.TwinPool([f'c{c}' for c in range(len(centres))], [0], [train],
                      [test])


def test_pick_twins_finds_the_confusion_of_the_reference():
    # candidates 0 and 1 look alike; 2, 3 and 4 are apart
    pool = _pool([0.0, 0.001, 5.0, 10.0, 20.0])
    counts = [3, 1, 2]
    # reference: labels 0 and 1 confused (label 1's takes go to the head)
    reference = np.array([[1, 0, 0], [1, 0, 0], [0, 0, 1.]])
    far = T.assignment_confusion(pool, [2, 3, 4], counts)
    np.testing.assert_allclose(far, np.eye(3))
    # one change at a time (a local search): label 0 takes the look-alike
    # of label 1's class
    picked, history = T.pick_twins(pool, reference, counts, [2, 1, 4])
    assert picked[:2] == [0, 1] and picked[2] in (2, 3, 4)
    start = T.assignment_confusion(pool, [2, 1, 4], counts)
    assert history[0] == pytest.approx(T.confusion_distance(start,
                                                            reference))
    assert history[-1] < history[0] and history == sorted(history,
                                                          reverse=True)
    assert history[-1] == pytest.approx(T.confusion_distance(
        T.assignment_confusion(pool, picked, counts), reference))
    # label 0 may not take candidate 0: nothing gets confused with label 1
    picked, history = T.pick_twins(pool, reference, counts, [2, 1, 4],
                                   allowed=[[2, 3], [1], [2, 3, 4]])
    assert picked[0] in (2, 3) and picked[1] == 1 and len(history) == 1
    with pytest.raises(ValueError, match='twice'):
        T.pick_twins(pool, reference, counts, [2, 2, 4])
    with pytest.raises(ValueError, match='start class'):
        T.pick_twins(pool, reference, counts, [2, 3, 4],
                     allowed=[[0], [3], [4]])
    with pytest.raises(ValueError, match='candidate'):
        pool.index('no such class')


def test_pool_features_are_those_of_the_generated_dataset():
    from brl_mm.datasets.synthetic import generate_synthetic_lt
    names = ['clap', 'sit down', 'walk in place']
    counts = [3, 1, 2]
    gen = dict(val_per_class=2, train_subjects=3, val_subjects=2)
    pool = T.build_pool(counts, [0], candidates=names + ['bow'], **gen)
    assert pool.names == names + ['bow']
    data = generate_synthetic_lt(classes=names, class_counts=counts, **gen)
    train = S.split_annotations(data, 'xsub_train')
    test = S.split_annotations(data, 'xsub_val')
    for label, n in enumerate(counts):
        mine = [S.take_features(a) for a in train if a['label'] == label]
        np.testing.assert_array_equal(pool.train[0][(label, n)], mine)
        np.testing.assert_array_equal(
            pool.test[0][label],
            [S.take_features(a) for a in test if a['label'] == label])
    # the pool's confusion of that assignment is the dataset's own
    pred = S.nearest_labels(
        np.stack([S.take_features(a) for a in train]),
        np.array([a['label'] for a in train]),
        np.stack([S.take_features(a) for a in test]))
    np.testing.assert_array_equal(
        T.assignment_confusion(pool, [0, 1, 2], counts),
        S.confusion_matrix(np.array([a['label'] for a in test]), pred, 3))


def test_one_person_classes_and_candidates():
    from brl_mm.datasets.synthetic import (max_synthetic_classes,
                                           synthetic_class_names)
    one = T.one_person_classes()
    assert 'hug' not in one and 'handshake' not in one
    assert 'clap' in one and len(one) < max_synthetic_classes()
    table = set(synthetic_class_names(max_synthetic_classes()))
    named = dict(E.UTKINECT_NAMED_TWINS)
    assert list(E.UTKINECT_TWIN_CANDIDATES) == list(named)
    for action, candidates in E.UTKINECT_TWIN_CANDIDATES.items():
        assert candidates[0] == named[action]
        assert set(candidates) <= set(one) <= table
    for action, twin in E.UTKINECT_SYNTHETIC_TWINS:
        assert twin in E.UTKINECT_TWIN_CANDIDATES[action]


def test_cli_errors(tmp_path, capsys):
    assert P.main([str(tmp_path / 'none.pkl')]) == 2
    assert 'no such pickle' in capsys.readouterr().err
    path = tmp_path / 'other.pkl'
    path.write_bytes(pickle.dumps(dict(classes=['a', 'b'], annotations=[],
                                       split={})))
    assert P.main([str(path)]) == 2
    assert 'UTKINECT_NAMED_TWINS' in capsys.readouterr().err


@pytest.mark.skipif(not osp.isfile(UTKINECT),
                    reason='needs ../shared/data/real/utkinect_ntu25.pkl')
def test_cli_picks_the_benchmarks_twins(tmp_path, capsys):
    """The twins of --dataset synthetic_utk are what the tool picks from
    UTKinect's long-tailed subset."""
    lt = E.ensure_utkinect_lt(str(tmp_path), UTKINECT, 10)
    assert P.main([lt]) == 0
    out = capsys.readouterr().out
    tuple_text = out[out.index('UTKINECT_SYNTHETIC_TWINS = ('):]
    picked = [tuple(line.strip().rstrip(',').strip('()').replace("'", '')
                    .split(', ')) for line in tuple_text.splitlines()[1:-1]]
    assert picked == [tuple(p) for p in E.UTKINECT_SYNTHETIC_TWINS]
    assert 'on seeds [0, 2, 3, 4]: named 0.444, picked 0.229' in out
    assert 'on check seeds [1]: named 0.494, picked 0.364' in out
