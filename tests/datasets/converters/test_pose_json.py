"""brl_mm.datasets.converters.pose_json: reading mmpose / rtmlib pose files
the tests write, one video's annotation, folder discovery and splits."""
import json
import re

import numpy as np
import pytest

from brl_mm.datasets.converters import (PoseFileError, find_pose_files,
                                        read_pose_file, seeded_splits,
                                        video_annotation)


def person(x, y=10.0, score=0.9, V=17, bbox=True):
    """An mmpose instance: joint j at (x + j, y + j)."""
    inst = dict(keypoints=[[x + j, y + j] for j in range(V)],
                keypoint_scores=[score] * V)
    if bbox:
        # mmpose's split_instances writes the box nested: [[x1, y1, x2, y2]]
        inst['bbox'] = [[x, y, x + V, y + V]]
        inst['bbox_score'] = 0.95
    return inst


def write_json(path, data):
    path.write_text(json.dumps(data))
    return str(path)


# ---------------------------------------------------------------- reading
def test_mmpose_video_predictions(tmp_path):
    path = write_json(tmp_path / 'v.json', [
        dict(frame_id=0, instances=[person(0), person(50, score=0.5)]),
        dict(frame_id=1, instances=[]),
        dict(frame_id=2, instances=[person(2, bbox=False)]),
    ])
    frames, img_shape = read_pose_file(path)
    assert img_shape is None
    assert [len(f.keypoints) for f in frames] == [2, 0, 1]
    assert frames[0].keypoints.shape == (2, 17, 2)
    assert frames[0].keypoints.dtype == np.float32
    np.testing.assert_array_equal(frames[0].keypoints[1, 3], [53, 13])
    np.testing.assert_array_equal(frames[0].scores[:, 0],
                                  np.float32([0.9, 0.5]))
    np.testing.assert_array_equal(frames[0].boxes[0], [0, 10, 17, 27])
    assert frames[1].keypoints.shape == (0, 17, 2)
    assert np.isnan(frames[2].boxes).all()  # no bbox in the file


def test_mmpose_image_predictions_and_inferencer_results(tmp_path):
    frames, _ = read_pose_file(write_json(tmp_path / 'img.json',
                                          [person(0), person(30)]))
    assert [len(f.keypoints) for f in frames] == [2]
    results = [dict(visualization=[], predictions=[[person(t)]])
               for t in range(3)]
    frames, _ = read_pose_file(write_json(tmp_path / 'res.json', results))
    assert [f.keypoints[0, 0, 0] for f in frames] == [0, 1, 2]


def test_rtmlib_npz_npy_and_json(tmp_path):
    T, N, V = 3, 2, 17
    kp = np.arange(T * N * V * 2, dtype=np.float32).reshape(T, N, V, 2)
    scores = np.full((T, N, V), 0.8, np.float32)
    kp[1, 1] = np.nan  # padded: person 1 absent in frame 1
    scores[2, 0] = 0  # and person 0 in frame 2
    np.savez(tmp_path / 'a.npz', keypoints=kp, scores=scores,
             img_shape=np.array([480, 640]))
    frames, img_shape = read_pose_file(str(tmp_path / 'a.npz'))
    assert img_shape == (480, 640)
    assert [len(f.keypoints) for f in frames] == [2, 1, 1]
    np.testing.assert_array_equal(frames[2].keypoints[0], kp[2, 1])

    np.save(tmp_path / 'b.npy', np.concatenate([kp, scores[..., None]], -1))
    frames, _ = read_pose_file(str(tmp_path / 'b.npy'))
    assert [len(f.keypoints) for f in frames] == [2, 1, 1]

    path = write_json(tmp_path / 'c.json', [
        dict(keypoints=kp[0].tolist(), scores=scores[0].tolist()),
        dict(keypoints=[], scores=[])])
    frames, _ = read_pose_file(path)
    assert [len(f.keypoints) for f in frames] == [2, 0]
    np.testing.assert_array_equal(frames[0].keypoints, kp[0])


@pytest.mark.parametrize('data, message', [
    (dict(a=1), 'expected a JSON list of frames'),
    ([], 'holds no frames'),
    ([dict(frame_id=0, instances=[person(0)]), dict(frame_id=7, people=[])],
     r"frame 1 \(frame_id 7\): expected .* got keys \['frame_id', 'people'\]"),
    ([dict(frame_id=0, instances=[dict(keypoints=[[0, 0, 1]] * 17,
                                       keypoint_scores=[1] * 17)])],
     r'frame 0 \(frame_id 0\) instance 0: "keypoints" has shape \(17, 3\), '
     r'expected \(V, 2\)'),
    ([dict(frame_id=0, instances=[dict(keypoints=[[0, 0]] * 17)])],
     'instance 0: no "keypoint_scores"'),
    ([dict(frame_id=0, instances=[
        person(0), dict(keypoints=[[0, 0]] * 16 + [[0]],
                        keypoint_scores=[1] * 17)])],
     r'frame 0 \(frame_id 0\) instance 1: "keypoints" is not a numeric'),
    ([dict(frame_id=0, instances=[person(0)]),
      dict(frame_id=1, instances=[person(0, V=26)])],
     'frame 1: a person has 26 joints, earlier ones 17'),
    ([[person(0)], [dict(keypoints=[[float('nan'), 0]] * 17,
                         keypoint_scores=[1] * 17)]],
     'frame 1 instance 0: "keypoints" holds NaN'),
    ([dict(frame_id=0, instances=[dict(person(0), bbox=[1, 2, 3])])],
     '"bbox" has 3 numbers'),
    ([dict(keypoints=[[[0, 0]] * 17])], '"keypoints" without "scores"'),
])
def test_malformed_json_names_file_and_frame(tmp_path, data, message):
    path = write_json(tmp_path / 'bad.json', data)
    with pytest.raises(PoseFileError) as info:
        read_pose_file(path)
    assert str(info.value).startswith(path + ': ')
    assert re.search(message, str(info.value)), str(info.value)


def test_unreadable_files(tmp_path):
    bad = tmp_path / 'trunc.json'
    bad.write_text('[{"frame_id": 0, "inst')
    with pytest.raises(PoseFileError, match='trunc.json: not readable JSON'):
        read_pose_file(str(bad))
    np.savez(tmp_path / 'obj.npz',
             keypoints=np.array([np.zeros((1, 17, 2)), np.zeros((2, 17, 2))],
                                dtype=object), scores=np.zeros(2))
    with pytest.raises(PoseFileError, match='obj.npz: could not be read '
                       'without pickle'):
        read_pose_file(str(tmp_path / 'obj.npz'))
    np.savez(tmp_path / 'keys.npz', kps=np.zeros((1, 1, 17, 2)))
    with pytest.raises(PoseFileError, match=r"needs \"keypoints\".*\['kps'\]"):
        read_pose_file(str(tmp_path / 'keys.npz'))
    kp = np.zeros((2, 1, 17, 2))
    kp[1, 0, 3] = np.nan  # one joint NaN: not a padded person
    np.savez(tmp_path / 'nan.npz', keypoints=kp, scores=np.ones((2, 1, 17)))
    with pytest.raises(PoseFileError, match='nan.npz: frame 1: a person has '
                       'NaN'):
        read_pose_file(str(tmp_path / 'nan.npz'))


# ------------------------------------------------------------ one video
def test_video_annotation_tracks_and_selects(tmp_path):
    # a confident actor walking right; a faint bystander; order swaps
    frames = [dict(frame_id=0, instances=[person(0), person(200, score=.3)]),
              dict(frame_id=1, instances=[person(200, score=.3)]),
              dict(frame_id=2, instances=[person(200, score=.3), person(4)])]
    poses, _ = read_pose_file(write_json(tmp_path / 'v.json', frames))
    ann = video_annotation(poses, 'v', 3, num_person=2, img_shape=(480, 640))
    assert ann['frame_dir'] == 'v' and ann['label'] == 3
    assert ann['total_frames'] == 3
    assert ann['keypoint'].shape == (2, 3, 17, 2)
    assert ann['keypoint'].dtype == np.float32
    assert ann['keypoint_score'].dtype == np.float32
    # actor: scores 0.9, 0, 0.9 (sum 1.8) > bystander 0.3 x 3 (0.9)
    np.testing.assert_array_equal(ann['keypoint'][0, :, 0, 0], [0, 0, 4])
    np.testing.assert_allclose(ann['keypoint_score'][0, :, 0], [.9, 0, .9])
    np.testing.assert_array_equal(ann['keypoint'][1, :, 0, 0], [200] * 3)
    assert ann['img_shape'] == ann['original_shape'] == (480, 640)
    one = video_annotation(poses, 'v', 3, num_person=1)
    np.testing.assert_array_equal(one['keypoint'], ann['keypoint'][:1])
    assert 'img_shape' not in one
    # by motion the moving actor also comes first
    moving = video_annotation(poses, 'v', 3, num_person=1, select='motion')
    np.testing.assert_array_equal(moving['keypoint'][0, :, 0, 0], [0, 0, 4])


def test_video_without_persons_is_none(tmp_path):
    path = write_json(tmp_path / 'e.json', [dict(frame_id=t, instances=[])
                                            for t in range(4)])
    assert video_annotation(read_pose_file(path)[0], 'e', 0) is None


# ------------------------------------------------------ folders, splits
def make_tree(root, sizes):
    """root/<class>/<class>_<i>.json with one person in 2 frames."""
    for name, n in sizes.items():
        (root / name).mkdir(parents=True)
        for i in range(n):
            write_json(root / name / f'{name}_{i}.json',
                       [dict(frame_id=t, instances=[person(t)])
                        for t in range(2)])


def test_folder_labels(tmp_path):
    make_tree(tmp_path, dict(wave=2, jump=1))
    (tmp_path / 'empty_class').mkdir()
    videos, classes, notes = find_pose_files(str(tmp_path))
    assert classes == ['jump', 'wave']
    assert [(v['frame_dir'], v['label']) for v in videos] == [
        ('jump_0', 0), ('wave_0', 1), ('wave_1', 1)]
    assert notes == []


def test_folder_errors(tmp_path):
    make_tree(tmp_path, dict(wave=1))
    (tmp_path / 'jump').mkdir()
    write_json(tmp_path / 'jump' / 'wave_0.json', [])
    with pytest.raises(PoseFileError, match="both video 'wave_0'"):
        find_pose_files(str(tmp_path))
    write_json(tmp_path / 'loose.json', [])
    with pytest.raises(PoseFileError, match='directly in the folder'):
        find_pose_files(str(tmp_path))
    with pytest.raises(PoseFileError, match='not a folder'):
        find_pose_files(str(tmp_path / 'nope'))


def test_csv_labels(tmp_path):
    make_tree(tmp_path / 'poses', dict(a=3))
    csv_path = tmp_path / 'labels.csv'
    csv_path.write_text('video,label,fold\na_0.mp4,wave,train\n'
                        'a_1,jump,val\na_2,wave,train\nmissing,wave,val\n')
    videos, classes, notes = find_pose_files(str(tmp_path / 'poses'),
                                             str(csv_path), 'fold')
    assert classes == ['jump', 'wave']
    assert [(v['frame_dir'], v['label'], v['split']) for v in videos] == [
        ('a_0', 1, 'train'), ('a_1', 0, 'val'), ('a_2', 1, 'train')]
    assert notes == ["1 CSV row(s) have no pose file: ['missing']"]
    csv_path.write_text('video,label\na_0,2\na_1,0\n')
    with pytest.raises(PoseFileError, match=r"1 pose file\(s\) .* no row .*"
                       r"\['a_2'\]"):
        find_pose_files(str(tmp_path / 'poses'), str(csv_path))
    videos, classes, notes = find_pose_files(
        str(tmp_path / 'poses'), str(csv_path), skip_unlabelled=True)
    assert classes is None and [v['label'] for v in videos] == [2, 0]
    assert notes[0].startswith('skipped 1 pose file(s) without a label')
    csv_path.write_text('video,label\na_0,2\na_1,-1\na_2,0\n')
    with pytest.raises(PoseFileError, match="video 'a_1' has label -1; "
                       'index labels are 0-based'):
        find_pose_files(str(tmp_path / 'poses'), str(csv_path))
    csv_path.write_text('name,class\na_0,2\n')
    with pytest.raises(PoseFileError, match=r"columns \['video', 'label'\]; "
                       r"it has \['name', 'class'\]"):
        find_pose_files(str(tmp_path / 'poses'), str(csv_path))
    csv_path.write_text('video,label\na_0,2\na_0,1\n')
    with pytest.raises(PoseFileError, match="line 3: video 'a_0' is listed "
                       'twice'):
        find_pose_files(str(tmp_path / 'poses'), str(csv_path))


def test_seeded_splits_are_stratified_and_reproducible():
    ids = [f's{i}' for i in range(16)]
    labels = [0] * 10 + [1] * 5 + [2]
    splits = seeded_splits(ids, labels, 0.2, seed=3)
    val = [labels[ids.index(i)] for i in splits['val']]
    assert sorted(val) == [0, 0, 1]  # round(2.0), round(1.0), 1 sample: 0
    assert len(splits['train']) == 13
    assert set(splits['train']) | set(splits['val']) == set(ids)
    assert splits == seeded_splits(ids, labels, 0.2, seed=3)
    assert splits != seeded_splits(ids, labels, 0.2, seed=4)
    assert seeded_splits(ids, labels, 0.0)['val'] == []
    with pytest.raises(ValueError, match=r'in \[0, 1\)'):
        seeded_splits(ids, labels, 1.0)
