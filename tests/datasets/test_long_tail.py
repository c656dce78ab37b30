"""The LT profile, subset selection and the long-tail accuracy summary."""
import numpy as np
import pytest

from brl_mm.datasets import (lt_class_counts, select_lt_subset,
                             split_by_shot)
from brl_mm.evaluation import (format_lt_table, long_tail_accuracy,
                               per_class_accuracy)


@pytest.mark.parametrize('classes, n_max, factor, total, last', [
    (60, 600, 100, 7892, 6), (60, 600, 50, 9150, 12),
    (60, 600, 10, 14142, 60), (120, 600, 100, 15600, 6),
    (120, 400, 100, 10378, 4), (10, 100, 10, None, 10)])
def test_profile_matches_the_published_lists(classes, n_max, factor, total,
                                             last):
    counts = lt_class_counts(classes, n_max, factor)
    assert counts[0] == n_max and counts[-1] == last
    assert (np.diff(counts) <= 0).all()
    if total is not None:
        assert counts.sum() == total


def test_profile_edge_cases():
    np.testing.assert_array_equal(lt_class_counts(3, 10, 1), [10, 10, 10])
    np.testing.assert_array_equal(lt_class_counts(1, 7, 100), [7])
    for bad in [(0, 10, 10), (3, 0, 10), (3, 10, 0.5)]:
        with pytest.raises(ValueError):
            lt_class_counts(*bad)


def test_select_subset_is_exact_seeded_and_sorted():
    labels = np.array([2, 0, 1, 0, 0, 1, 2, 0, 1, 2, 2, 2])
    keep = select_lt_subset(labels, [3, 2, 1], seed=0)
    assert (np.diff(keep) > 0).all()
    np.testing.assert_array_equal(np.bincount(labels[keep]), [3, 2, 1])
    np.testing.assert_array_equal(keep, select_lt_subset(labels, [3, 2, 1], 0))
    with pytest.raises(ValueError, match='class 1: 3 < 4'):
        select_lt_subset(labels, [1, 4, 1])


def test_shot_groups_use_strict_thresholds():
    groups = split_by_shot([101, 100, 20, 19, 5], many_thr=100, few_thr=20)
    assert groups == dict(many=[0], medium=[1, 2], few=[3, 4])


def test_per_class_accuracy_by_hand():
    gt = [0, 0, 1, 1, 1, 3]
    pred = [0, 1, 1, 1, 0, 3]
    acc = per_class_accuracy(pred, gt, 4)
    np.testing.assert_allclose(acc[[0, 1, 3]], [0.5, 2 / 3, 1.0])
    assert np.isnan(acc[2])  # class 2 has no test sample


def test_long_tail_accuracy_by_hand():
    # 6 samples, 4 classes; class 2 is absent from the test set.
    gt = np.array([0, 0, 1, 1, 1, 3])
    scores = np.full((6, 4), 0.1)
    for i, p in enumerate([0, 1, 1, 1, 0, 2]):
        scores[i, p] = 0.7
    result = long_tail_accuracy(scores, gt, train_counts=[500, 50, 30, 5])
    assert result['top1'] == pytest.approx(3 / 6)
    assert result['top5'] == 1.0  # only 4 classes
    assert result['mean_class'] == pytest.approx((0.5 + 2 / 3 + 0.0) / 3)
    assert result['absent_classes'] == [2]
    assert result['many'] == pytest.approx(0.5)
    assert result['medium'] == pytest.approx(2 / 3)  # class 2 absent
    assert result['few'] == 0.0
    assert result['groups'] == dict(many=[0], medium=[1, 2], few=[3])


def test_long_tail_accuracy_without_counts_and_empty_groups():
    scores = np.eye(3)
    result = long_tail_accuracy(scores, [0, 1, 2])
    assert 'many' not in result and result['mean_class'] == 1.0
    result = long_tail_accuracy(scores, [0, 1, 2], train_counts=[1, 2, 3])
    assert np.isnan(result['many']) and result['few'] == 1.0


def test_top5_counts_the_five_best():
    scores = np.tile(np.arange(10.0), (2, 1))  # best: 9, 8, 7, 6, 5
    result = long_tail_accuracy(scores, [5, 4])
    assert result['top5'] == 0.5 and result['top1'] == 0.0


def test_table_formatting():
    table = format_lt_table(
        {'CE': dict(top1=0.5, mean_class=0.25, many=1.0, medium=float('nan'),
                    few=0.0)})
    assert table.splitlines()[2] == '| CE | 50.0 | 25.0 | 100.0 | n/a | 0.0 |'
