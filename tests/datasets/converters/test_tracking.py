"""brl_mm.datasets.converters.tracking: IoU, joint boxes, Hungarian tracking
across frames and the choice of the main persons, on hand-worked values."""
import numpy as np
import pytest

from brl_mm.datasets.converters import (box_iou, keypoint_boxes,
                                        select_tracks, track_persons)


def test_box_iou_hand_values():
    a = np.array([[0, 0, 2, 2], [0, 0, 1, 1]])
    b = np.array([[1, 1, 3, 3], [5, 5, 6, 6], [0, 0, 2, 2], [1, 1, 1, 1]])
    np.testing.assert_allclose(box_iou(a, b), [
        [1 / 7, 0, 1, 0],
        [0, 0, 1 / 4, 0],
    ])
    assert box_iou(np.zeros((0, 4)), b).shape == (0, 4)


def test_keypoint_boxes_ignore_low_scores():
    kp = np.array([[[0, 0], [4, 2], [100, 100]],
                   [[1, 1], [3, 5], [2, 2]]], dtype=np.float32)
    scores = np.array([[0.9, 0.8, 0.1], [0.1, 0.1, 0.1]])
    np.testing.assert_allclose(keypoint_boxes(kp, scores, 0.3), [
        [0, 0, 4, 2],  # the 0.1 joint at (100, 100) is left out
        [1, 1, 3, 5],  # no joint above 0.3: all joints
    ])


def box(x, y=0, size=10):
    return [x, y, x + size, y + size]


def test_tracks_follow_persons_when_the_detection_order_swaps():
    frames = [np.array([box(0), box(100)]),
              np.array([box(102), box(2)]),
              np.array([box(4), box(104)])]
    ids = track_persons(frames)
    assert [i.tolist() for i in ids] == [[0, 1], [1, 0], [0, 1]]


def test_hungarian_beats_greedy_matching():
    # greedy would link B to d1 (its best pair) and leave A without a match;
    # the optimal assignment links A-d1 and B-d2 (see the costs below)
    A, B = box(0), box(6)
    d1, d2 = box(4), box(10)
    np.testing.assert_allclose(box_iou([A, B], [d1, d2]),
                               [[6 / 14, 0], [8 / 12, 6 / 14]])
    ids = track_persons([np.array([A, B]), np.array([d1, d2])])
    assert ids[1].tolist() == [0, 1]


def test_gaps_new_persons_and_jumps():
    frames = [np.array([box(0)]),
              np.zeros((0, 4)),  # nobody
              np.array([box(1), box(50)]),  # back after a gap; a newcomer
              np.array([box(400), box(51)])]  # the first one jumps away
    ids = track_persons(frames, max_gap=5)
    assert [i.tolist() for i in ids] == [[0], [], [0, 1], [2, 1]]
    # a gap longer than max_gap starts a new track
    ids = track_persons([np.array([box(0)])] + [np.zeros((0, 4))] * 3 +
                        [np.array([box(0)])], max_gap=2)
    assert [i.tolist() for i in ids] == [[0], [], [], [], [1]]


def test_distance_gate_links_boxes_that_do_not_overlap():
    # IoU 0; the centre moves from (5, 5) to (15, 4): 10.05 px, 0.71 of the
    # track box's diagonal (14.14 px)
    frames = [np.array([box(0, size=10)]), np.array([box(11, y=0, size=8)])]
    assert box_iou(frames[0], frames[1]).item() == 0
    assert [i.tolist() for i in track_persons(frames)] == [[0], [1]]
    assert [i.tolist() for i in track_persons(frames, dist_thr=0.72)] == [
        [0], [0]]
    assert [i.tolist() for i in track_persons(frames, dist_thr=0.70)] == [
        [0], [1]]


def test_select_tracks_by_score_and_by_motion():
    T, V = 3, 2
    kp = np.zeros((3, T, V, 2), np.float32)
    score = np.zeros((3, T, V), np.float32)
    score[0] = 0.9  # still, confident: sum of mean scores 2.7
    score[1, :2] = 0.6  # moves 3 px per frame in its 2 frames: 1.2
    kp[1, 1] += 3
    score[2] = 0.5  # moves 1 px per frame over 3 frames: 1.5
    kp[2, 1] += 1
    kp[2, 2] += 2
    assert select_tracks(kp, score, 2, 'score').tolist() == [0, 2]
    # motion: track 1: 3 (one step); track 2: 1 + 1 = 2; track 0: 0
    assert select_tracks(kp, score, 3, 'motion').tolist() == [1, 2, 0]
    assert select_tracks(kp, score, 5).tolist() == [0, 2, 1]
    with pytest.raises(ValueError, match="'score' or 'motion'"):
        select_tracks(kp, score, 1, 'area')
