"""Bad input is named (file, sample, fix) when the dataset is built, before
any batch reaches a backbone (issue 9, part 3)."""
import logging
import pickle

import numpy as np
import pytest
from mmengine.logging import MMLogger

import brl_mm  # noqa: F401
from brl_mm.datasets import LongTailPoseDataset
from brl_mm.testing import write_skeleton_pickle


def build(path, **kwargs):
    kwargs.setdefault('split', 'train')
    return LongTailPoseDataset(ann_file=path, pipeline=[], **kwargs)


def edit_pickle(path, edit):
    """Apply ``edit(annotations)`` to a pickle in place."""
    with open(path, 'rb') as f:
        data = pickle.load(f)
    edit(data['annotations'])
    with open(path, 'wb') as f:
        pickle.dump(data, f)


@pytest.fixture
def six(tmp_path):
    """6 samples of 3 classes (2 each), NTU layout."""
    path = str(tmp_path / 'six.pkl')
    ids = write_skeleton_pickle(path, [0, 0, 1, 1, 2, 2],
                                dict(train=range(6)))
    return path, ids


class _Capture(logging.Handler):

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@pytest.fixture
def warnings_log():
    logger = MMLogger.get_current_instance()
    handler = _Capture()
    logger.addHandler(handler)
    yield handler.messages
    logger.removeHandler(handler)


# ----------------------------------------------- the cases issue 9 lists
def test_missing_pickle(tmp_path):
    path = str(tmp_path / 'nope.pkl')
    with pytest.raises(FileNotFoundError, match='nope.pkl not found.*'
                       'generate_synthetic_lt.py'):
        build(path)


def test_corrupt_pickle(six):
    path, _ = six
    with open(path, 'rb') as f:
        head = f.read(100)
    with open(path, 'wb') as f:
        f.write(head)
    with pytest.raises(ValueError, match='six.pkl could not be read.*'
                       'corrupt or truncated'):
        build(path)


def test_unknown_split(six):
    with pytest.raises(ValueError, match=r"split 'xsub_trian' is not in .*"
                       r"six.pkl; it has \['train'\]"):
        build(six[0], split='xsub_trian')


def test_lt_list_id_missing(six, tmp_path):
    lst = tmp_path / 'lt.txt'
    lst.write_text(six[1][0] + '\nS999C001P001R001A001\n')
    with pytest.raises(ValueError, match=r"1 of 2 ids .*lt.txt are not in .*"
                       r"\['S999C001P001R001A001'\]"):
        build(six[0], lt_split_file=str(lst))


def test_label_out_of_range(six):
    with pytest.raises(ValueError, match=f"sample '{six[1][4]}' has label 2, "
                       r'outside \[0, 2\)'):
        build(six[0], num_classes=2)


def test_class_without_training_samples(six):
    with pytest.raises(ValueError, match='1 of 4 classes have no training '
                       r'sample \(first: \[3\]\)'):
        build(six[0], num_classes=4)


def test_wrong_joint_count(tmp_path):
    path = str(tmp_path / 'v17.pkl')
    ids = write_skeleton_pickle(path, [0, 1], dict(train=range(2)),
                                num_joints=17)
    with pytest.raises(ValueError, match=f"v17.pkl: sample '{ids[0]}' has "
                       r"keypoints of shape \(1, 12, 17, 3\).*Set `layout=`"):
        build(path)


@pytest.mark.parametrize('value', [np.nan, np.inf, -np.inf])
def test_nonfinite_keypoints_fail_by_default(six, value):
    path, ids = six

    def poison(anns):
        anns[3]['keypoint'][0, 5, 7, 1] = value

    edit_pickle(path, poison)
    with pytest.raises(ValueError, match=r"six.pkl split 'train': 1 "
                       r'sample\(s\) have NaN or infinite keypoints \(first: '
                       rf"\['{ids[3]}'\]\).*nonfinite='drop'"):
        build(path)


def test_nonfinite_keypoints_dropped_with_a_warning(six, warnings_log):
    path, ids = six

    def poison(anns):
        anns[0]['keypoint'][0, 0, 0, 0] = np.nan
        anns[5]['keypoint'][..., 2] = np.inf

    edit_pickle(path, poison)
    ds = build(path, nonfinite='drop')
    assert len(ds) == 4
    assert ds.metainfo['class_counts'] == [1, 2, 1]
    assert {ds.get_data_info(i)['frame_dir'] for i in range(4)} == \
        set(ids[1:5])
    [message] = [m for m in warnings_log if 'dropped' in m]
    assert 'dropped 2 sample(s) with NaN or infinite keypoints' in message
    assert ids[0] in message and ids[5] in message
    assert "nonfinite='drop'" in message


def test_dropping_a_whole_class_is_still_an_error(six):
    path, _ = six

    def poison(anns):
        for ann in anns[4:]:
            ann['keypoint'][0, 0, 0, 0] = np.nan

    edit_pickle(path, poison)
    with pytest.raises(ValueError, match='1 of 3 classes have no training'):
        build(path, nonfinite='drop')


@pytest.mark.parametrize('kind', ['zero_frames', 'all_zero', 'no_person'])
def test_empty_samples(six, kind):
    path, ids = six

    def empty(anns):
        ann = anns[2]
        if kind == 'zero_frames':
            ann['keypoint'] = ann['keypoint'][:, :0]
            ann['total_frames'] = 0
        elif kind == 'all_zero':
            ann['keypoint'] = np.zeros_like(ann['keypoint'])
        else:
            ann['keypoint'] = ann['keypoint'][:0]

    edit_pickle(path, empty)
    with pytest.raises(ValueError, match=r'1 sample\(s\) have no frames or '
                       rf"only zero keypoints \(first: \['{ids[2]}'\]\).*"
                       "empty_samples='drop'"):
        build(path)
    assert len(build(path, empty_samples='drop')) == 5


def test_bad_option_values(six):
    with pytest.raises(ValueError, match="nonfinite must be one of"):
        build(six[0], nonfinite='ignore')
    with pytest.raises(ValueError, match="empty_samples must be one of"):
        build(six[0], empty_samples=True)


def test_wrong_coordinate_dimension(tmp_path):
    path = str(tmp_path / 'ntu2d.pkl')
    ids = write_skeleton_pickle(path, [0, 1], dict(train=range(2)),
                                channels=2)
    with pytest.raises(ValueError, match=f"sample '{ids[0]}' has "
                       r"2-dimensional keypoints .*layout 'nturgb\+d' holds "
                       r'3D \(x, y, z\) coordinates'):
        build(path)
    path = str(tmp_path / 'coco3.pkl')
    ids = write_skeleton_pickle(path, [0, 1], dict(train=range(2)),
                                num_joints=17, channels=3)
    with pytest.raises(ValueError, match=f"sample '{ids[0]}' has "
                       r"3-dimensional keypoints .*layout 'coco' holds 2D "
                       r'.*keypoint_score'):
        build(path, layout='coco')


def test_2d_pickle_without_keypoint_score(tmp_path):
    path = str(tmp_path / 'coco.pkl')
    ids = write_skeleton_pickle(path, [0, 1], dict(train=range(2)),
                                num_joints=17, channels=2, with_score=False)
    with pytest.raises(ValueError, match=f"coco.pkl: sample '{ids[0]}' has "
                       r'2D keypoints but no "keypoint_score".*Add '
                       r'keypoint_score of shape \(M, T, V\)'):
        build(path, layout='coco')

    def bad_score(anns):
        for ann in anns:
            ann['keypoint_score'] = np.ones((1, 12, 16), np.float32)

    edit_pickle(path, bad_score)
    with pytest.raises(ValueError, match=r'keypoint_score of shape '
                       r'\(1, 12, 16\), but its keypoints need \(1, 12, 17\)'):
        build(path, layout='coco')
    write_skeleton_pickle(path, [0, 1], dict(train=range(2)), num_joints=17,
                          channels=2)
    assert len(build(path, layout='coco')) == 2


def test_nonfinite_drop_on_40k_samples_keeps_the_rest(tmp_path):
    """NTU120-sized: 40k samples; the checks are per sample in numpy."""
    n = 40000
    rng = np.random.default_rng(0)
    keypoints = rng.standard_normal((n, 2, 8, 25, 3)).astype(np.float32)
    annotations = [
        dict(frame_dir=f's{i}', label=i % 10, total_frames=8,
             keypoint=keypoints[i]) for i in range(n)
    ]
    annotations[12345]['keypoint'] = keypoints[12345].copy()
    annotations[12345]['keypoint'][1, 3, 4, 0] = np.nan
    path = str(tmp_path / 'big.pkl')
    with open(path, 'wb') as f:
        pickle.dump(dict(split=dict(train=[a['frame_dir']
                                           for a in annotations]),
                         annotations=annotations), f)
    ds = build(path, nonfinite='drop')
    assert len(ds) == n - 1
    assert 's12345' not in {ds.get_data_info(i)['frame_dir']
                            for i in (12344, 12345)}
