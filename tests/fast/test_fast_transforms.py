"""CachedPreNormalize3D and FastUniformSampleFrames: bit-identical to the
stock transforms (values, dtypes, added keys, RNG use), memory and disk
cache hits, invalidation when the source or the arguments change, atomic
files, unreadable / unwritable caches, bad input."""
import os

import numpy as np
import pytest
from mmaction.datasets.transforms import PreNormalize3D, UniformSampleFrames

import brl_mm  # noqa: F401  (compat shims + registration)
from brl_mm.fast import CachedPreNormalize3D, FastUniformSampleFrames
from brl_mm.fast.normalize import nonempty_frames


def _sample(frames=40, persons=1, joints=25, seed=0, name='S001A001'):
    rng = np.random.default_rng(seed)
    keypoint = rng.normal(0, 0.5, (persons, frames, joints, 3))
    keypoint = (keypoint + [0, 0, 3.0]).astype(np.float32)
    return dict(keypoint=keypoint, total_frames=frames, frame_dir=name)


def _samples():
    """Cases that exercise every branch of PreNormalize3D."""
    plain = _sample(seed=1)
    gaps = _sample(frames=30, seed=2)
    gaps['keypoint'][0, [0, 5, 6, 29]] = 0  # empty frames are dropped
    gaps['keypoint'][0, 10, :, :] = 1e-9  # isclose(0): empty too
    two = _sample(frames=25, persons=2, seed=3)
    swap = _sample(frames=25, persons=2, seed=4)
    swap['keypoint'][0, 3:9] = 0  # person 1 has more frames: persons swap
    partial = _sample(frames=20, persons=2, seed=5)
    partial['keypoint'][1, 12:] = 0  # masked joints stay zero
    zeros = _sample(frames=8, seed=6)
    zeros['keypoint'][:] = 0  # returned untouched, no body_center
    coco = _sample(frames=12, joints=17, seed=7)  # centre = last joint
    return [plain, gaps, two, swap, partial, zeros, coco]


def _copy(results):
    return {k: (v.copy() if isinstance(v, np.ndarray) else v)
            for k, v in results.items()}


def _assert_same(ours, stock):
    assert set(ours) == set(stock)
    assert ours['keypoint'].dtype == stock['keypoint'].dtype
    np.testing.assert_array_equal(ours['keypoint'], stock['keypoint'])
    assert ours['total_frames'] == stock['total_frames']
    if 'body_center' in stock:
        assert ours['body_center'].dtype == stock['body_center'].dtype
        np.testing.assert_array_equal(ours['body_center'],
                                      stock['body_center'])


def test_nonempty_frames_matches_the_stock_loop():
    person = _samples()[1]['keypoint'][0]
    loop = [
        i for i in range(len(person))
        if not np.all(np.isclose(person[i], 0))
    ]
    assert nonempty_frames(person).tolist() == loop
    assert len(loop) == 25


@pytest.mark.parametrize('kwargs', [
    dict(),
    dict(align_spine=False),
    dict(align_shoulder=False, zaxis=[1, 3]),
    dict(xaxis=[4, 8]),
])
def test_bit_identical_to_pre_normalize_3d(kwargs, tmp_path):
    stock = PreNormalize3D(**kwargs)
    uncached = CachedPreNormalize3D(memory_cache_mb=0, **kwargs)
    cached = CachedPreNormalize3D(cache_dir=str(tmp_path), **kwargs)
    for sample in _samples():
        expected = stock(_copy(sample))
        _assert_same(uncached(_copy(sample)), expected)
        _assert_same(cached(_copy(sample)), expected)  # computed + stored
        _assert_same(cached(_copy(sample)), expected)  # memory hit
        fresh = CachedPreNormalize3D(cache_dir=str(tmp_path), **kwargs)
        _assert_same(fresh(_copy(sample)), expected)  # disk hit
        assert fresh.stats == dict(memory=0, disk=1, computed=0)
    assert cached.stats == dict(memory=7, disk=0, computed=7)
    assert uncached.stats['computed'] == 7


def test_memory_cache_returns_private_copies():
    transform = CachedPreNormalize3D()
    first = transform(_copy(_samples()[0]))
    first['keypoint'][:] = 123.0  # a later transform writing in place
    first['body_center'][:] = 7.0
    second = transform(_copy(_samples()[0]))
    assert transform.stats['memory'] == 1
    _assert_same(second, PreNormalize3D()(_copy(_samples()[0])))


def test_source_or_argument_change_is_a_miss(tmp_path):
    transform = CachedPreNormalize3D(cache_dir=str(tmp_path))
    sample = _samples()[0]
    transform(_copy(sample))
    changed = _copy(sample)
    changed['keypoint'][0, 0, 0, 0] += 0.25  # new source data, same id
    out = transform(_copy(changed))
    assert transform.stats == dict(memory=0, disk=0, computed=2)
    _assert_same(out, PreNormalize3D()(_copy(changed)))
    other_args = CachedPreNormalize3D(cache_dir=str(tmp_path),
                                      align_spine=False)
    out = other_args(_copy(sample))
    assert other_args.stats['computed'] == 1
    _assert_same(out, PreNormalize3D(align_spine=False)(_copy(sample)))
    renamed = dict(_copy(sample), frame_dir='S001A002')
    assert transform.cache_key(renamed) != transform.cache_key(sample)
    files = [f for _, _, names in os.walk(tmp_path) for f in names]
    assert len(files) == 3 and all(f.endswith('.npy') for f in files)
    assert not any(f.startswith('.') or f.endswith('.tmp') for f in files)


def test_unreadable_entry_is_recomputed_and_rewritten(tmp_path):
    transform = CachedPreNormalize3D(cache_dir=str(tmp_path))
    sample = _samples()[3]
    expected = transform(_copy(sample))
    path = transform._path(transform.cache_key(sample))
    with open(path, 'r+b') as f:
        f.truncate(40)  # a torn file from another tool
    fresh = CachedPreNormalize3D(cache_dir=str(tmp_path))
    with pytest.warns(UserWarning, match='unreadable cache entry'):
        _assert_same(fresh(_copy(sample)), expected)
    assert fresh.stats['computed'] == 1
    again = CachedPreNormalize3D(cache_dir=str(tmp_path))
    _assert_same(again(_copy(sample)), expected)
    assert again.stats['disk'] == 1


def test_unwritable_cache_dir_falls_back_to_memory(tmp_path):
    blocker = tmp_path / 'not_a_dir'
    blocker.write_text('x')
    transform = CachedPreNormalize3D(cache_dir=str(blocker))
    with pytest.warns(UserWarning, match='cannot write the cache'):
        out = transform(_copy(_samples()[0]))
    _assert_same(out, PreNormalize3D()(_copy(_samples()[0])))
    transform(_copy(_samples()[1]))  # warned once, keeps working
    transform(_copy(_samples()[0]))
    assert transform.stats == dict(memory=1, disk=0, computed=2)


def test_memory_budget_evicts_least_recent():
    samples = _samples()[:3]
    one_entry = PreNormalize3D()(_copy(samples[0]))['keypoint'].nbytes
    transform = CachedPreNormalize3D(memory_cache_mb=1.5 * one_entry / 2**20)
    for sample in samples:
        transform(_copy(sample))
    transform(_copy(samples[0]))  # evicted by the later samples
    assert transform.stats == dict(memory=0, disk=0, computed=4)
    assert transform._memory_bytes <= transform._budget
    with pytest.raises(ValueError, match='memory_cache_mb'):
        CachedPreNormalize3D(memory_cache_mb=-1)


def test_bad_input_names_the_sample():
    transform = CachedPreNormalize3D()
    three = _sample(persons=3, name='S009A042')
    with pytest.raises(ValueError, match='S009A042.*M = 1 or 2'):
        transform(three)
    flat = dict(_sample(name='S009A044'))
    flat['keypoint'] = flat['keypoint'][..., :2]
    with pytest.raises(ValueError, match='S009A044.*PreNormalize2D'):
        transform(flat)
    wrong = dict(_sample(frames=10, name='S009A043'), total_frames=11)
    with pytest.raises(ValueError, match='S009A043.*total_frames = 11'):
        transform(wrong)


def test_registered_and_repr(tmp_path):
    from mmaction.registry import TRANSFORMS
    built = TRANSFORMS.build(
        dict(type='CachedPreNormalize3D', cache_dir=str(tmp_path)))
    assert isinstance(built, CachedPreNormalize3D)
    assert str(tmp_path) in repr(built)
    assert isinstance(
        TRANSFORMS.build(dict(type='FastUniformSampleFrames', clip_len=4)),
        FastUniformSampleFrames)


# ----------------------------------------------------- FastUniformSampleFrames
@pytest.mark.parametrize('kwargs', [
    dict(clip_len=16),
    dict(clip_len=16, num_clips=3),
    dict(clip_len=16, num_clips=10, test_mode=True),
])
def test_uniform_sample_frames_same_indices_and_rng(kwargs):
    stock = UniformSampleFrames(**kwargs)
    fast = FastUniformSampleFrames(**kwargs)
    for frames in (5, 16, 20, 31, 32, 100):  # < clip, 1-2x clip, > 2x clip
        sample = _sample(frames=frames, persons=2, seed=frames)
        sample['keypoint'][1, frames // 2:] = 0  # person count changes
        np.random.seed(frames)
        expected = stock(_copy(sample))
        expected_state = np.random.rand()
        np.random.seed(frames)
        ours = fast(_copy(sample))
        assert np.random.rand() == expected_state  # same RNG draws
        assert ours['frame_inds'].dtype == np.int32
        np.testing.assert_array_equal(ours['frame_inds'],
                                      expected['frame_inds'])
        for key in ('clip_len', 'frame_interval', 'num_clips'):
            assert ours[key] == expected[key]
        # start_index shifts the indices (the stock transform can index
        # past its per-frame list then, so compare with its offset result)
        np.random.seed(frames)
        shifted = fast(dict(_copy(sample), start_index=2))
        np.testing.assert_array_equal(shifted['frame_inds'],
                                      expected['frame_inds'] + 2)


def test_uniform_sample_frames_bad_total_frames():
    sample = dict(_sample(frames=10, name='S002A007'), total_frames=12)
    with pytest.raises(ValueError, match='S002A007.*total_frames = 12'):
        FastUniformSampleFrames(clip_len=4)(sample)


class _Normalized:
    """A tiny dataset: each sample normalized by one shared transform."""

    def __init__(self, samples, transform):
        self.samples, self.transform = samples, transform

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, index):
        return self.transform(_copy(self.samples[index]))['keypoint']


def test_disk_cache_shared_by_loader_workers(tmp_path):
    import torch
    samples = _samples()[:5] * 2  # every sample twice: races on each key
    transform = CachedPreNormalize3D(cache_dir=str(tmp_path),
                                     memory_cache_mb=0)
    loader = torch.utils.data.DataLoader(
        _Normalized(samples, transform), batch_size=None, num_workers=2)
    stock = PreNormalize3D()
    for got, sample in zip(loader, samples):
        expected = stock(_copy(sample))['keypoint']
        np.testing.assert_array_equal(np.asarray(got), expected)
    files = sorted(f for _, _, names in os.walk(tmp_path) for f in names)
    assert len(files) == 5 and not any(f.startswith('.') or f.endswith('.tmp') for f in files)
    fresh = CachedPreNormalize3D(cache_dir=str(tmp_path))
    for sample in samples[:5]:
        _assert_same(fresh(_copy(sample)), stock(_copy(sample)))
    assert fresh.stats == dict(memory=0, disk=5, computed=0)
