"""brl_mm.datasets.validation: the annotation checks the dataset raises and
check_pkl reports, and the gaps issue 16 item 5 lists."""
import pickle
import re

import numpy as np
import pytest

import brl_mm  # noqa: F401
from brl_mm.datasets import (LongTailPoseDataset, check_duplicate_ids,
                             check_keypoints, check_label_range,
                             check_label_types, check_split_name,
                             check_total_frames, get_layout,
                             unpack_annotations)
from brl_mm.testing import write_skeleton_pickle


def build(path, **kwargs):
    kwargs.setdefault('split', 'train')
    return LongTailPoseDataset(ann_file=path, pipeline=[], **kwargs)


@pytest.fixture
def six(tmp_path):
    """``make(edit)``: 6 samples of 3 classes (2 each), NTU layout, split
    'train', written after ``edit(data)`` (which may return a new object to
    pickle); returns the path and the sample ids."""
    path = str(tmp_path / 'six.pkl')

    def make(edit=None):
        ids = write_skeleton_pickle(path, [0, 0, 1, 1, 2, 2],
                                    dict(train=range(6)))
        if edit is not None:
            with open(path, 'rb') as f:
                data = pickle.load(f)
            data = edit(data) or data
            with open(path, 'wb') as f:
                pickle.dump(data, f)
        return path, ids

    return make


def sample(fid, label=0, shape=(1, 4, 25, 3), value=1.0, **extra):
    return dict(frame_dir=fid, label=label, total_frames=shape[1],
                keypoint=np.full(shape, value, np.float32), **extra)


# ------------------------------------- issue 16 item 5, at dataset build
@pytest.mark.parametrize('label, kind', [('2', 'str'), (1.0, 'float'),
                                         (np.float32(1), 'float32')])
def test_string_or_float_label_is_named(six, label, kind):
    def edit(data):
        data['annotations'][3]['label'] = label

    path, ids = six(edit)
    with pytest.raises(ValueError, match=re.escape(
            f"six.pkl: sample '{ids[3]}' has label {label!r} of type {kind} "
            '(1 such samples). Labels must be int')):
        build(path)


def test_numpy_int_labels_are_fine(six):
    def edit(data):
        for a in data['annotations']:
            a['label'] = np.int64(a['label'])

    path, _ = six(edit)
    assert build(path).class_counts.tolist() == [2, 2, 2]


def test_annotation_without_keypoint(six):
    def edit(data):
        del data['annotations'][2]['keypoint']

    path, ids = six(edit)
    with pytest.raises(ValueError, match=f"six.pkl: sample '{ids[2]}' has "
                       'no "keypoint" .*data_prefix=dict\\(skeleton='):
        build(path)
    # skeletons loaded per sample (mmaction's data_prefix) are fine
    assert len(build(path, data_prefix=dict(skeleton=str(path)))) == 6


def test_duplicated_frame_dir(six):
    def edit(data):
        data['annotations'].append(dict(data['annotations'][0]))

    path, ids = six(edit)
    with pytest.raises(ValueError, match=r"six.pkl: 1 frame_dir value\(s\) "
                       r"appear more than once \(1 extra annotation\(s\); "
                       f"first: \\['{ids[0]}'\\]\\)"):
        build(path)


def test_list_pickle_with_a_split_says_how(six):
    path, _ = six(lambda data: data['annotations'])
    with pytest.raises(ValueError) as info:
        build(path, split='train')
    message = str(info.value)
    assert 'it is a list of annotations without splits' in message
    assert 'Set `split=None`' in message and 'dict(split=' in message
    assert '[]' not in message
    assert len(build(path, split=None)) == 6


# ----------------------------------------------- the functions themselves
def test_unpack_annotations_forms():
    anns = [sample('a')]
    assert unpack_annotations(anns, 'f.pkl')[:3] == (anns, {}, None)
    raw = dict(split=dict(t=['a']), annotations=anns, classes=['x'])
    assert unpack_annotations(raw, 'f.pkl')[:3] == (anns, dict(t=['a']),
                                                    ['x'])
    for bad, text in ((dict(split={}), 'without an "annotations"'),
                      ([], 'holds no annotations'), (3, 'holds a int'),
                      ([sample('a'), 'b'], '1 annotation\\(s\\) are not '
                       'dicts \\(first at position 1: str\\)')):
        problems = unpack_annotations(bad, 'f.pkl')[3]
        assert len(problems) == 1
        assert problems[0].code == 'schema'
        assert re.search(text, problems[0].message)


def test_check_split_name():
    assert check_split_name(None, {}, 'f.pkl') == []
    assert check_split_name('t', dict(t=[]), 'f.pkl') == []
    (p, ) = check_split_name('v', dict(t=[], u=[]), 'f.pkl')
    assert "it has ['t', 'u']" in p.message
    (p, ) = check_split_name('v', {}, 'f.pkl', is_list=True)
    assert 'list of annotations without splits' in p.message


def test_check_label_types_lists_every_bad_sample():
    anns = [sample('a', 0), sample('b', '1'), sample('c', 2.0),
            sample('d', True), sample('e', np.int32(1))]
    del anns[4]['label']
    missing, wrong = check_label_types(anns, 'f.pkl')
    assert (missing.code, missing.indices, missing.ids) == (
        'label_missing', (4, ), ('e', ))
    assert (wrong.code, wrong.indices, wrong.ids) == ('label_type',
                                                      (1, 2, 3),
                                                      ('b', 'c', 'd'))


def test_check_label_range():
    anns = [sample(c) for c in 'abcd']
    (p, ) = check_label_range(np.array([0, 3, -1, 1]), anns, 3, 'f.pkl')
    assert p.indices == (1, 2) and p.ids == ('b', 'c')
    assert "sample 'b' has label 3, outside [0, 3) (2 such" in p.message
    assert check_label_range(np.array([0, 2]), anns[:2], 3, 'f.pkl') == []


def test_check_duplicate_ids_groups_repeats():
    anns = [sample(c) for c in 'abacbb']
    (p, ) = check_duplicate_ids(anns, 'f.pkl')
    assert p.ids == ('a', 'b')
    assert p.indices == (2, 4, 5)
    assert '2 frame_dir value(s) appear more than once (3 extra' in p.message
    assert check_duplicate_ids(anns[:2], 'f.pkl') == []


def test_check_keypoints_reports_everything_in_order():
    ntu = get_layout('nturgb+d')
    anns = [
        sample('ok'),
        sample('nan', value=np.nan),
        sample('v17', shape=(1, 4, 17, 3)),
        sample('zero', value=0.0),
        sample('2d', shape=(1, 4, 25, 2)),
        sample('inf', value=np.inf),
        sample('noframes', shape=(1, 0, 25, 3)),
    ]
    anns.append(dict(frame_dir='nokp', label=0, total_frames=4))
    problems = check_keypoints(anns, 'f.pkl', 'train', ntu)
    assert [(p.code, p.ids) for p in problems] == [
        ('joint_count', ('v17', )), ('coord_dims', ('2d', )),
        ('keypoint_missing', ('nokp', )), ('nonfinite', ('nan', 'inf')),
        ('empty', ('zero', 'noframes'))]
    assert problems[3].indices == (1, 5)
    assert problems[3].message.startswith(
        "f.pkl split 'train': 2 sample(s) have NaN or infinite keypoints "
        "(first: ['nan', 'inf'])")
    # without a layout only the 4-D shape is checked
    codes = [p.code for p in check_keypoints(
        [sample('a', shape=(4, 25, 3))], 'f.pkl')]
    assert codes == ['keypoint_ndim']


def test_check_keypoints_2d_scores():
    coco = get_layout('coco')
    good = sample('good', shape=(2, 3, 17, 2),
                  keypoint_score=np.ones((2, 3, 17)))
    noscore = sample('noscore', shape=(2, 3, 17, 2))
    badscore = sample('bad', shape=(2, 3, 17, 2),
                      keypoint_score=np.ones((2, 3)))
    problems = check_keypoints([good, noscore, badscore], 'f.pkl', None, coco)
    assert [(p.code, p.ids) for p in problems] == [
        ('keypoint_score', ('noscore', )), ('keypoint_score', ('bad', ))]
    assert ('keypoint_score of shape (2, 3), but its keypoints need '
            '(2, 3, 17)') in problems[1].message


def test_check_total_frames():
    a, b, c = sample('a'), sample('b'), sample('c')
    b['total_frames'] = 9
    del c['total_frames']
    problems = check_total_frames([a, b, c], 'f.pkl')
    assert [(p.ids, p.indices) for p in problems] == [(('c', ), (2, )),
                                                      (('b', ), (1, ))]
    assert 'total_frames=9 but only 4 frames' in problems[1].message
