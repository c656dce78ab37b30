"""Skeleton inputs for inference: pickles, arrays, mmpose predictions JSON,
with hand-built files and the errors that name them."""
import json

import numpy as np
import pytest

from brl_mm.apis import (SkeletonInputError, read_array_file, read_pose_json,
                         read_skeleton_inputs, read_skeleton_pickle)
from brl_mm.testing import write_skeleton_pickle


def instance(score, offset=0.0, joints=3):
    """An mmpose instance whose joints lie at x = offset + v, y = 10 v."""
    return dict(keypoints=[[offset + v, 10.0 * v] for v in range(joints)],
                keypoint_scores=[score] * joints)


def test_pickle_split_and_ids(tmp_path):
    path = str(tmp_path / 'p.pkl')
    ids = write_skeleton_pickle(path, [0, 1, 2, 1],
                                dict(train=[0, 1], val=[2, 3]),
                                classes=['a', 'b', 'c'])
    samples, classes = read_skeleton_pickle(path, 'val')
    assert [s.name for s in samples] == ids[2:] and classes == ['a', 'b', 'c']
    assert [s.label for s in samples] == [2, 1]
    assert samples[0].keypoint.shape == (1, 12, 25, 3)
    picked, _ = read_skeleton_pickle(path, ids=[ids[3], ids[0]])
    assert [s.name for s in picked] == [ids[3], ids[0]]
    with pytest.raises(SkeletonInputError, match="no split 'test'.*train"):
        read_skeleton_pickle(path, 'test')
    with pytest.raises(SkeletonInputError, match="no sample 'x' in split"):
        read_skeleton_pickle(path, 'val', ids=['x'])


def test_arrays(tmp_path):
    kp = np.arange(2 * 4 * 5 * 3, dtype=np.float32).reshape(2, 4, 5, 3)
    np.save(tmp_path / 'a.npy', kp)
    np.save(tmp_path / 'one.npy', kp[0].astype(np.float64))
    np.savez(tmp_path / 'b.npz', keypoint=kp[..., :2],
             keypoint_score=kp[..., 2], img_shape=np.array([480, 640]))
    a = read_array_file(str(tmp_path / 'a.npy'))
    assert a.name == 'a' and a.keypoint_score is None
    np.testing.assert_array_equal(a.keypoint, kp)
    one = read_array_file(str(tmp_path / 'one.npy'))
    assert one.keypoint.shape == (1, 4, 5, 3)
    assert one.keypoint.dtype == np.float32
    b = read_array_file(str(tmp_path / 'b.npz'))
    np.testing.assert_array_equal(b.keypoint_score, kp[..., 2])
    assert b.img_shape == (480, 640)
    np.save(tmp_path / 'flat.npy', np.zeros(7))
    with pytest.raises(SkeletonInputError, match=r'flat.npy.*\(T, V, C\)'):
        read_array_file(str(tmp_path / 'flat.npy'))
    np.savez(tmp_path / 'c.npz', points=kp)
    with pytest.raises(SkeletonInputError, match='no "keypoint"'):
        read_array_file(str(tmp_path / 'c.npz'))


def test_mmpose_video_json(tmp_path):
    """Persons tracked across frames, the two best tracks kept."""
    frames = [
        dict(frame_id=0, instances=[instance(0.2, 100), instance(0.9, 0),
                                    instance(0.5, 50)]),
        dict(frame_id=1, instances=[instance(0.5, 51), instance(0.8, 1)]),
        dict(frame_id=2, instances=[]),
    ]
    path = tmp_path / 'video.json'
    path.write_text(json.dumps(frames))
    sample = read_pose_json(str(path), num_person=2)
    assert sample.name == 'video' and sample.keypoint.shape == (2, 3, 3, 2)
    # the track at x = 0 continues at x = 1, the one at 50 at 51
    starts = sorted(sample.keypoint[:, 0, 0, 0].tolist())
    assert starts == [0, 50]  # the 0.2 person at x = 100 is dropped
    for m in range(2):
        x0, x1 = sample.keypoint[m, 0, 0, 0], sample.keypoint[m, 1, 0, 0]
        assert x1 == x0 + 1
        np.testing.assert_array_equal(sample.keypoint[m, 1, :, 1],
                                      [0, 10, 20])
    assert not sample.keypoint[:, 2].any()  # frame 2: nobody
    best = int(np.argmin(sample.keypoint[:, 0, 0, 0]))
    np.testing.assert_allclose(sample.keypoint_score[best, :2, 0], [0.9, 0.8])


def test_mmpose_image_json(tmp_path):
    image = tmp_path / 'image.json'
    image.write_text(json.dumps([instance(0.7)]))
    assert read_pose_json(str(image)).keypoint.shape == (1, 1, 3, 2)


def test_json_errors(tmp_path):
    bad = tmp_path / 'bad.json'
    bad.write_text('{"frames": ')
    with pytest.raises(SkeletonInputError, match='bad.json'):
        read_pose_json(str(bad))
    mixed = tmp_path / 'mixed.json'
    mixed.write_text(json.dumps([dict(frame_id=0, instances=[instance(1)]),
                                 dict(frame_id=1,
                                      instances=[instance(1, joints=4)])]))
    with pytest.raises(SkeletonInputError, match='mixed.json.*4 joints'):
        read_pose_json(str(mixed))
    empty = tmp_path / 'empty.json'
    empty.write_text(json.dumps([dict(frame_id=0, instances=[])]))
    with pytest.raises(SkeletonInputError, match='no person'):
        read_pose_json(str(empty))


def test_dispatch(tmp_path):
    with pytest.raises(SkeletonInputError, match='does not exist'):
        read_skeleton_inputs(str(tmp_path / 'none.pkl'))
    (tmp_path / 'x.txt').write_text('1')
    with pytest.raises(SkeletonInputError, match=r"unknown input type '.txt'"):
        read_skeleton_inputs(str(tmp_path / 'x.txt'))
    np.save(tmp_path / 'a.npy', np.zeros((1, 2, 3, 3), np.float32))
    with pytest.raises(SkeletonInputError, match='skeleton pickle only'):
        read_skeleton_inputs(str(tmp_path / 'a.npy'), split='val')
    samples, classes = read_skeleton_inputs(str(tmp_path / 'a.npy'))
    assert len(samples) == 1 and classes is None


def test_corrupt_pickle(tmp_path):
    path = tmp_path / 'broken.pkl'
    path.write_bytes(b'\x80\x04not a pickle')
    with pytest.raises(SkeletonInputError, match='broken.pkl.*corrupt'):
        read_skeleton_pickle(str(path))
