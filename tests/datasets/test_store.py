"""The skeleton store: exact round trips, atomic writes, clear errors, and
LongTailPoseDataset(store=...) equal to the pickle through every pipeline."""
import glob
import json
import os
import pickle
import random

import numpy as np
import pytest
import torch
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope

from brl_mm.datasets import (LongTailPoseDataset, SkeletonStore,
                             SkeletonStoreWriter, StoreError,
                             generate_synthetic_lt, is_skeleton_store,
                             write_skeleton_store)
from brl_mm.datasets.store import STORE_ROW_KEY
from brl_mm.testing import REPO, load_config, write_skeleton_pickle


def assert_same_annotation(a, b):
    """Same keys, same Python / numpy types, same values and dtypes."""
    assert a.keys() == b.keys()
    for key in a:
        assert type(a[key]) is type(b[key]), key
        if isinstance(a[key], np.ndarray):
            assert a[key].dtype == b[key].dtype, key
            assert a[key].shape == b[key].shape, key
            assert a[key].tobytes() == b[key].tobytes(), key
        else:
            assert a[key] == b[key], key


def pickle_to_store(pkl, out, **kwargs):
    with open(pkl, 'rb') as f:
        raw = pickle.load(f)
    return write_skeleton_store(out, raw['annotations'], raw.get('split'),
                                raw.get('classes'), **kwargs), raw


@pytest.fixture(scope='module')
def synthetic_sets(tmp_path_factory):
    """Synthetic pickles of a 3D, a 2D (with scores) and the NW-UCLA layout,
    each with its float32 store."""
    root = tmp_path_factory.mktemp('store_sets')
    sets = {}
    for layout in ('nturgb+d', 'coco', 'nw_ucla'):
        tag = layout.replace('+', '')
        pkl = str(root / f'{tag}.pkl')
        generate_synthetic_lt(pkl, num_classes=6, n_max=6,
                              imbalance_factor=3, val_per_class=2,
                              layout=layout, min_frames=10, max_frames=16,
                              seed=1)
        store, raw = pickle_to_store(pkl, str(root / f'{tag}_store'))
        sets[layout] = dict(pkl=pkl, store=store, raw=raw)
    return sets


# ----------------------------------------------------------- round trips
@pytest.mark.parametrize('layout', ['nturgb+d', 'coco'])
def test_every_sample_round_trips_bit_for_bit(synthetic_sets, layout):
    s = synthetic_sets[layout]
    store = SkeletonStore(s['store'])
    anns = s['raw']['annotations']
    assert len(store) == len(anns)
    for row, ann in enumerate(anns):
        assert_same_annotation(store.sample(row), ann)
    assert store.classes == s['raw']['classes']
    for name, ids in s['raw']['split'].items():
        rows = store.split_rows(name)
        assert [anns[r]['frame_dir'] for r in rows] == ids
    # the index: persons, frames, NTU-style name parts
    assert store.num_person.tolist() == [a['keypoint'].shape[0] for a in anns]
    assert store.num_frames.tolist() == [a['total_frames'] for a in anns]
    assert store.column('ntu.action').tolist() == [
        a['label'] + 1 for a in anns]


def test_every_kind_of_field_keeps_its_type(tmp_path):
    anns = [
        dict(frame_dir=f'clip_{i}', label=np.int64(i), total_frames=3,
             keypoint=np.full((1, 3, 2, 2), i, np.float32),
             keypoint_score=np.ones((1, 3, 2), np.float16),
             box=np.arange(4, dtype=np.int32) + i,  # another array
             img_shape=(480, 640 + i), crop=[0.5, 1.0], fps=np.float32(2.5),
             flag=bool(i % 2), name='\u00e9t\u00e9')
        for i in range(3)
    ]
    path = write_skeleton_store(str(tmp_path / 's'), iter(anns), dtype=None)
    store = SkeletonStore(path)
    for row, ann in enumerate(anns):
        assert_same_annotation(store.sample(row), ann)
    # dtype=None keeps the source dtypes on disk
    assert store.fields['keypoint']['dtype'] == '<f4'
    assert store.fields['keypoint_score']['dtype'] == '<f2'
    assert store.split_names == []
    assert not np.asarray(store.column('keypoint.nonfinite')).any()
    with pytest.raises(KeyError, match='ntu.subject'):
        store.column('ntu.subject')  # names are not NTU-style


def test_float16_store_rounds_and_reads_back_in_the_source_dtype(tmp_path):
    kp = np.array([[[[0.1, 1000.3]]]], np.float32)
    ann = dict(frame_dir='a', label=0, total_frames=1, keypoint=kp)
    store = SkeletonStore(
        write_skeleton_store(str(tmp_path / 's'), [ann], dtype='float16'))
    got = store.arrays(0)['keypoint']
    assert got.dtype == np.float32
    assert got.tolist() == kp.astype(np.float16).astype(np.float32).tolist()
    assert os.path.getsize(tmp_path / 's' / 'data' / 'keypoint.bin') == 4
    big = dict(ann, keypoint=np.array([[[[1e6, 0.0]]]], np.float32))
    with pytest.raises(StoreError, match='float32'):
        write_skeleton_store(str(tmp_path / 't'), [big], dtype='float16')
    assert not os.path.exists(tmp_path / 't')


def test_pickled_store_carries_no_array_data(synthetic_sets):
    store = SkeletonStore(synthetic_sets['nturgb+d']['store'])
    store.arrays(0)  # maps the keypoints
    assert store._maps
    clone = pickle.loads(pickle.dumps(store))
    assert clone._maps == {}
    data = os.path.getsize(os.path.join(store.path, 'data', 'keypoint.bin'))
    assert len(pickle.dumps(store)) < data / 4
    assert clone.arrays(3)['keypoint'].tobytes() == store.arrays(
        3)['keypoint'].tobytes()


# ------------------------------------------------- atomic and refusals
def _ann(i=0, **kw):
    return dict(dict(frame_dir=f'S001C001P001R001A{i + 1:03d}', label=i,
                     total_frames=2,
                     keypoint=np.ones((1, 2, 25, 3), np.float32)), **kw)


def test_failed_build_leaves_nothing_behind(tmp_path):
    with pytest.raises(RuntimeError):
        with SkeletonStoreWriter(str(tmp_path / 's')) as w:
            w.add(_ann())
            raise RuntimeError('interrupted')
    assert os.listdir(tmp_path) == []


def test_store_appears_only_with_its_manifest(tmp_path):
    w = SkeletonStoreWriter(str(tmp_path / 's'))
    w.add(_ann())
    assert not os.path.exists(tmp_path / 's')  # built in a hidden sibling
    [tmp] = os.listdir(tmp_path)
    assert tmp.startswith('.s.building-')
    with pytest.raises(StoreError, match='no manifest.json'):
        SkeletonStore(str(tmp_path / tmp))
    w.commit()
    assert os.listdir(tmp_path) == ['s'] and is_skeleton_store(
        str(tmp_path / 's'))
    assert oct(os.stat(tmp_path / 's').st_mode & 0o777) != '0o700'


def test_existing_path_is_refused_unless_forced(tmp_path):
    path = str(tmp_path / 's')
    write_skeleton_store(path, [_ann(0)])
    with pytest.raises(StoreError, match='exists; pass force=True'):
        write_skeleton_store(path, [_ann(1)])
    assert SkeletonStore(path).labels.tolist() == [0]
    write_skeleton_store(path, [_ann(1), _ann(2)], force=True)
    assert SkeletonStore(path).labels.tolist() == [1, 2]
    assert os.listdir(tmp_path) == ['s']


@pytest.mark.parametrize('bad, message', [
    (dict(label='walk'), 'labels must be 0-based int'),
    (dict(valid={0.5: 3}), r'--drop-field valid'),
])
def test_unstorable_first_sample_is_refused(tmp_path, bad, message):
    with pytest.raises(StoreError, match=message):
        write_skeleton_store(str(tmp_path / 's'), [_ann(**bad)])
    assert os.listdir(tmp_path) == []


def test_samples_must_share_the_first_samples_fields(tmp_path):
    second = _ann(1)
    del second['total_frames']
    with pytest.raises(StoreError,
                       match=r"'S001C001P001R001A002' \(row 1\) has fields"):
        write_skeleton_store(str(tmp_path / 's'), [_ann(0), second])
    with pytest.raises(StoreError, match='not a string'):
        write_skeleton_store(str(tmp_path / 't'),
                             [_ann(0), _ann(1, frame_dir=7)])
    # a dropped field is fine
    store = SkeletonStore(write_skeleton_store(
        str(tmp_path / 'u'), [_ann(0, valid={}), _ann(1, valid={})],
        drop_fields=['valid']))
    assert 'valid' not in store.sample(1)


def test_damaged_stores_give_errors_that_name_dir_and_fix(tmp_path):
    path = write_skeleton_store(str(tmp_path / 's'), [_ann(0), _ann(1)])
    manifest = os.path.join(path, 'manifest.json')
    with open(manifest) as f:
        good = json.load(f)

    with open(os.path.join(path, 'index', 'label.bin'), 'r+b') as f:
        f.write(np.int64(5).tobytes())
    with pytest.raises(StoreError, match=f'{path}.*checksum.*build_store'):
        SkeletonStore(path)
    write_skeleton_store(path, [_ann(0), _ann(1)], force=True)

    with open(os.path.join(path, 'data', 'keypoint.bin'), 'ab') as f:
        f.write(b'\0' * 4)
    with pytest.raises(StoreError, match='keypoint.bin has 1204 bytes'):
        SkeletonStore(path)
    SkeletonStore(path, verify=False)  # the caller's choice

    with open(manifest, 'w') as f:
        json.dump(dict(good, version=99), f)
    with pytest.raises(StoreError, match='format version 99.*reads version 1'):
        SkeletonStore(path)
    with open(manifest, 'w') as f:
        f.write('{"trunc')
    with pytest.raises(StoreError, match='manifest.json is unreadable'):
        SkeletonStore(path)
    with pytest.raises(StoreError, match='not found.*build_store.py'):
        SkeletonStore(str(tmp_path / 'nothing'))


def test_verify_data_catches_a_flipped_byte(tmp_path):
    path = write_skeleton_store(str(tmp_path / 's'), [_ann(0)])
    SkeletonStore(path).verify_data()
    with open(os.path.join(path, 'data', 'keypoint.bin'), 'r+b') as f:
        f.write(b'\x01')
    with pytest.raises(StoreError, match='keypoint.bin does not match'):
        SkeletonStore(path).verify_data()


# ------------------------------------------------------------ the dataset
def _pair(s, pipeline=(), **kwargs):
    a = LongTailPoseDataset(s['pkl'], list(pipeline), **kwargs)
    b = LongTailPoseDataset(store=s['store'], pipeline=list(pipeline),
                            **kwargs)
    return a, b


def _assert_same_dataset(a, b):
    assert len(a) == len(b)
    assert b.class_counts.tolist() == a.class_counts.tolist()
    assert b.metainfo == a.metainfo
    for i in range(len(a)):
        assert_same_annotation(b.get_data_info(i), a.get_data_info(i))
        assert b.get_cat_ids(i) == a.get_cat_ids(i)


@pytest.mark.parametrize('options', [
    dict(split='xsub_train'),
    dict(split='xsub_val', test_mode=True),
    dict(split=None),
    dict(split='xsub_train', imbalance_factor=2, n_max=4, lt_seed=3),
    dict(split='xsub_train', indices=[5, 0, 2]),
    dict(split='xsub_train', serialize_data=False),
])
def test_store_dataset_equals_pickle_dataset(synthetic_sets, options):
    _assert_same_dataset(*_pair(synthetic_sets['nturgb+d'], **options))


def test_store_dataset_with_an_lt_list(synthetic_sets, tmp_path):
    s = synthetic_sets['coco']
    ids = s['raw']['split']['xsub_train']
    chosen = [ids[5], ids[0], ids[1], ids[9], ids[-1], ids[12]]
    lst = tmp_path / 'lt.txt'
    lst.write_text('\n'.join(chosen) + '\n')
    a, b = _pair(s, split='xsub_train', layout='coco', lt_split_file=str(lst),
                 allow_empty_classes=True)
    _assert_same_dataset(a, b)
    assert [b.get_data_info(i)['frame_dir'] for i in range(len(b))] == chosen


def test_store_dataset_keeps_only_the_index(synthetic_sets):
    a, b = _pair(synthetic_sets['nturgb+d'], split='xsub_train')
    assert len(b.data_bytes) * 10 < len(a.data_bytes)
    # mmengine's per-sample pickle is just the store row: 25 bytes
    assert b.data_address.tolist() == [25 * (i + 1) for i in range(len(b))]
    rows = [pickle.loads(b.data_bytes[25 * i:25 * (i + 1)].tobytes())
            for i in range(len(b))]
    assert rows == [{STORE_ROW_KEY: r} for r in SkeletonStore(
        synthetic_sets['nturgb+d']['store']).split_rows('xsub_train')]


def test_get_cat_ids_and_counts_never_read_keypoints(synthetic_sets,
                                                     monkeypatch):
    s = synthetic_sets['nturgb+d']
    ref = LongTailPoseDataset(s['pkl'], [], split='xsub_train')

    reads = []
    arrays = SkeletonStore.arrays

    def counted(self, row):
        reads.append(int(row))
        return arrays(self, row)

    monkeypatch.setattr(SkeletonStore, 'arrays', counted)
    ds = LongTailPoseDataset(store=s['store'], pipeline=[],
                             split='xsub_train', lazy_init=True)
    assert [ds.get_cat_ids(i) for i in range(len(ref))] == [
        ref.get_cat_ids(i) for i in range(len(ref))]
    assert ds.class_counts.tolist() == ref.class_counts.tolist()
    # validation read one sample (the only layout signature), then nothing
    assert reads == [0]


def test_class_aware_sampler_plans_the_same_epoch_without_keypoints(
        synthetic_sets, monkeypatch):
    from mmengine.dataset import RepeatDataset

    from brl_mm.datasets.samplers import ClassAwareSampler
    s = synthetic_sets['nturgb+d']
    plans = []
    for source in (dict(ann_file=s['pkl']), dict(store=s['store'])):
        ds = RepeatDataset(LongTailPoseDataset(**source, split='xsub_train'),
                           times=3)
        if 'store' in source:  # from here on no sample may be read
            monkeypatch.setattr(SkeletonStore, 'arrays', None)
        sampler = ClassAwareSampler(ds, epoch_length=60, seed=4)
        sampler.set_epoch(2)
        plans.append(list(sampler))
    assert plans[0] == plans[1] and len(plans[0]) == 60


def test_store_or_ann_file_not_both(synthetic_sets):
    s = synthetic_sets['nturgb+d']
    with pytest.raises(ValueError, match='not both'):
        LongTailPoseDataset(s['pkl'], [], store=s['store'])
    with pytest.raises(ValueError, match='not none'):
        LongTailPoseDataset(pipeline=[])
    with pytest.raises(ValueError, match="split 'xview_train' is not in"):
        LongTailPoseDataset(store=s['store'], split='xview_train')


def test_store_path_is_relative_to_data_root(synthetic_sets):
    s = synthetic_sets['nturgb+d']
    root, name = os.path.split(s['store'])
    ds = LongTailPoseDataset(store=name, data_root=root, split='xsub_val',
                             test_mode=True)
    assert len(ds) == 12


# ---------------------------------------------------- validation parity
def _bad_pickle(tmp_path, mutate, layout_joints=25):
    labels = [0, 0, 0, 1, 1, 2, 3]
    pkl = str(tmp_path / 'bad.pkl')
    write_skeleton_pickle(pkl, labels, dict(train=range(len(labels))),
                          num_joints=layout_joints)
    with open(pkl, 'rb') as f:
        raw = pickle.load(f)
    mutate(raw['annotations'])
    with open(pkl, 'wb') as f:
        pickle.dump(raw, f)
    store, _ = pickle_to_store(pkl, str(tmp_path / 'bad_store'))
    return dict(pkl=pkl, store=store)


def _errors(s, **kwargs):
    """The error messages of building from the pickle and from the store,
    with both paths written as SRC."""
    errors = []
    for source in (dict(ann_file=s['pkl']), dict(store=s['store'])):
        with pytest.raises(ValueError) as e:
            LongTailPoseDataset(**source, **kwargs)
        errors.append(str(e.value).replace(s['pkl'], 'SRC').replace(
            s['store'], 'SRC'))
    return errors


def _nan(anns):
    anns[1]['keypoint'][0, 3, 4, 1] = np.nan
    anns[4]['keypoint'][0, 0, 0, 0] = np.inf


def _zero(anns):
    anns[2]['keypoint'][:] = 0
    anns[6]['total_frames'] = 0


def _joints(anns):
    anns[3]['keypoint'] = anns[3]['keypoint'][:, :, :17]


@pytest.mark.parametrize('mutate, option', [(_nan, 'nonfinite'),
                                            (_zero, 'empty_samples')])
def test_bad_samples_error_and_drop_as_from_the_pickle(tmp_path, mutate,
                                                       option):
    s = _bad_pickle(tmp_path, mutate)
    errors = _errors(s, split='train', allow_empty_classes=True)
    assert errors[0] == errors[1] and option in errors[0]
    _assert_same_dataset(*_pair(s, split='train', allow_empty_classes=True,
                                **{option: 'drop'}))


def _duplicate(anns):
    anns[5]['frame_dir'] = anns[2]['frame_dir']


def test_duplicated_ids_error_as_from_the_pickle(tmp_path):
    s = _bad_pickle(tmp_path, _duplicate)
    errors = _errors(s, split='train')
    assert errors[0] == errors[1] and 'appear more than once' in errors[0]


def test_layout_mismatch_error_as_from_the_pickle(tmp_path):
    s = _bad_pickle(tmp_path, _joints)
    errors = _errors(s, split='train')
    assert errors[0] == errors[1]
    assert "'S001C001P003R001A001' has keypoints of shape (1, 12, 17, 3)" in \
        errors[0]


def test_2d_store_without_scores_fails_as_the_pickle(tmp_path):
    pkl = str(tmp_path / 'p.pkl')
    write_skeleton_pickle(pkl, [0, 1], dict(train=[0, 1]), num_joints=17,
                          channels=2, with_score=False)
    store, _ = pickle_to_store(pkl, str(tmp_path / 's'))
    for kwargs in (dict(ann_file=pkl), dict(store=store)):
        with pytest.raises(ValueError, match='no "keypoint_score"'):
            LongTailPoseDataset(**kwargs, split='train', layout='coco')


# ------------------------------------------------------ every pipeline
@pytest.fixture(scope='module')
def config_pipelines():
    """Every distinct pipeline of every leaf config under configs/brl (the
    train, val and test loaders: fast path with CachedPreNormalize3D /
    FastUniformSampleFrames, stock baselines, multi-clip tests, every
    stream), by the layout of its dataset."""
    found = {}
    for path in sorted(glob.glob(os.path.join(REPO, 'configs', 'brl', '**',
                                              '*.py'), recursive=True)):
        cfg = load_config(path)
        for split in ('train', 'val', 'test'):
            loader = cfg.get(f'{split}_dataloader')
            if not loader:
                continue
            dataset = loader['dataset']
            while 'dataset' in dataset:  # RepeatDataset and other wrappers
                dataset = dataset['dataset']
            key = json.dumps(dataset['pipeline'], sort_keys=True, default=str)
            found.setdefault(dataset.get('layout'), {})[key] = dataset[
                'pipeline']
    return found


def _run(ds, i, seed):
    np.random.seed(seed)
    random.seed(seed)
    torch.manual_seed(seed)
    return ds[i]


@pytest.mark.parametrize('layout', ['nturgb+d', 'coco', 'nw_ucla'])
def test_every_config_pipeline_gives_the_same_samples(synthetic_sets,
                                                      config_pipelines,
                                                      layout):
    init_default_scope('mmaction')
    s = synthetic_sets[layout]
    pipelines = list(config_pipelines[layout].values())
    assert len(pipelines) >= 19  # 6 streams x (train, stock, test) + val
    a, b = _pair(s, split='xsub_train', layout=layout)
    assert b.get_data_info(len(b) - 1)['keypoint'].shape[0] == 2
    for pipeline in pipelines:
        a.pipeline, b.pipeline = Compose(pipeline), Compose(pipeline)
        for i in (0, len(a) - 1):  # one person, two persons
            x, y = _run(a, i, 100 + i), _run(b, i, 100 + i)
            assert x['inputs'].dtype == y['inputs'].dtype, pipeline
            assert torch.equal(x['inputs'], y['inputs']), (pipeline, i)
            assert x['data_samples'].metainfo == y['data_samples'].metainfo
            assert torch.equal(x['data_samples'].gt_label,
                               y['data_samples'].gt_label)
