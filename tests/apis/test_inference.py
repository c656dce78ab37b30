"""init_recognizer reads the training set's names and counts from the
checkpoint; inference_skeleton runs the test pipeline on raw arrays and
names the layout problems it refuses."""
import numpy as np
import pytest
import torch

from brl_mm.apis import (LayoutMismatchError, inference_skeleton,
                         init_recognizer, predict_scores, top_k)
from brl_mm.apis.inference import _checkpoint_meta
from brl_mm.apis.inputs import read_skeleton_pickle
from brl_mm.testing import (REPO, TINY_CLASSES, TINY_TRAIN_COUNTS,
                            load_config, shrink_config, trained_tiny_model)


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    return trained_tiny_model(str(tmp_path_factory.mktemp('tiny')))


@pytest.fixture(scope='module')
def model(tiny):
    return init_recognizer(tiny['config'], tiny['checkpoint'])


def test_names_and_counts_from_the_checkpoint(tiny, model):
    assert model.dataset_meta == dict(
        classes=tuple(TINY_CLASSES), class_counts=TINY_TRAIN_COUNTS,
        num_classes=4, layout='nturgb+d')
    assert not model.training
    # the weights are the checkpoint's (strict load)
    saved = torch.load(tiny['checkpoint'], weights_only=False)['state_dict']
    assert torch.equal(model.cls_head.fc.weight, saved['cls_head.fc.weight'])


def test_checkpoint_meta_sources():
    cfg = load_config(f'{REPO}/configs/brl/synthetic_lt.py')
    # dataset_meta wins over the hook's meta['class_counts']
    meta = _checkpoint_meta(dict(meta=dict(
        dataset_meta=dict(classes=('a', 'b'), class_counts=[5, 1]),
        class_counts=[9, 9])), cfg, 2)
    assert meta['classes'] == ('a', 'b') and meta['class_counts'] == [5, 1]
    meta = _checkpoint_meta(dict(meta=dict(class_counts=[9, 3])), cfg, 2)
    assert meta['classes'] is None and meta['class_counts'] == [9, 3]
    # no names stored: the NTU-60 list for a 60-class NTU-25 model
    meta = _checkpoint_meta(None, cfg, 60)
    assert meta['classes'][0] == 'drink water'
    assert meta['classes'][59] == 'walking apart from each other'
    assert meta['class_counts'] is None and meta['layout'] == 'nturgb+d'
    # names of another class count are not used
    assert _checkpoint_meta(dict(meta=dict(dataset_meta=dict(
        classes=('a', 'b', 'c')))), cfg, 2)['classes'] is None


def test_top_k_by_hand():
    result = top_k(np.array([0.1, 0.5, 0.2, 0.2]), ['a', 'b', 'c', 'd'], 3,
                   sample='s')
    assert result.labels == [1, 2, 3]  # ties keep the class order
    assert result.names == ['b', 'c', 'd'] and result.sample == 's'
    assert result.scores == [0.5, 0.2, 0.2]
    assert top_k(np.array([0.3, 0.7]), None, 5).names == ['class_1',
                                                          'class_0']


def test_inference_on_raw_arrays(tiny, model):
    samples, classes = read_skeleton_pickle(tiny['pickle'], 'xsub_val')
    assert classes == TINY_CLASSES
    sample = samples[0]
    result = inference_skeleton(model, sample.keypoint, topk=3,
                                name=sample.name)
    assert len(result.labels) == 3 and result.sample == sample.name
    assert result.names == [TINY_CLASSES[i] for i in result.labels]
    assert result.pred_score.shape == (4, )
    assert result.pred_score.sum() == pytest.approx(1.0, abs=1e-5)
    assert result.scores == sorted(result.scores, reverse=True)
    # one person (T, V, C) == (1, T, V, C); the same input, the same scores
    single = predict_scores(model, sample.keypoint[0])
    again = predict_scores(model, sample.keypoint[:1])
    np.testing.assert_array_equal(single, again)
    assert result.to_dict()['pred_score'] == pytest.approx(
        list(result.pred_score))


def test_layout_mismatch_is_named(model):
    coco = np.zeros((1, 30, 17, 2), np.float32)
    with pytest.raises(LayoutMismatchError) as info:
        inference_skeleton(model, coco, name='clip7')
    message = str(info.value)
    assert '(clip7) has 17 joints' in message and "'coco'" in message
    assert "25 joints of the 'nturgb+d'" in message
    assert 'configs/brl/k400/' in message
    with pytest.raises(LayoutMismatchError, match='2 coordinates.*expects 3'):
        inference_skeleton(model, np.zeros((1, 30, 25, 2), np.float32))
    with pytest.raises(LayoutMismatchError, match="'coco' layout"):
        inference_skeleton(model, np.zeros((1, 30, 25, 3)), layout='coco')
    with pytest.raises(ValueError, match='NaN'):
        inference_skeleton(model, np.full((1, 30, 25, 3), np.nan))
    with pytest.raises(ValueError, match=r'\(M persons, T frames'):
        inference_skeleton(model, np.zeros((30, 75)))


def test_2d_model_takes_score_channel():
    cfg = load_config(f'{REPO}/configs/brl/k400/brl_stgcnpp_k400_j.py')
    shrink_config(cfg, 'unused.pkl', 5)
    model = init_recognizer(cfg)  # initial weights: the pipeline is tested
    assert model.dataset_meta['layout'] == 'coco'
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 1000, (2, 40, 17, 2)).astype(np.float32)
    score = rng.uniform(0, 1, (2, 40, 17)).astype(np.float32)
    packed = np.concatenate([xy, score[..., None]], axis=-1)
    before = packed.copy()
    first = predict_scores(model, packed)
    # PreNormalize2D works in place: the caller's array must not change
    np.testing.assert_array_equal(packed, before)
    np.testing.assert_array_equal(first, predict_scores(model, packed))
    np.testing.assert_array_equal(
        predict_scores(model, packed),
        predict_scores(model, xy, keypoint_score=score))
    # without a score: ones
    np.testing.assert_array_equal(
        predict_scores(model, xy),
        predict_scores(model, xy, np.ones((2, 40, 17), np.float32)))
    with pytest.raises(LayoutMismatchError, match='25 joints.*17 joints'):
        predict_scores(model, np.zeros((1, 10, 25, 3), np.float32))


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_cuda_matches_cpu(tiny, model):
    cuda = init_recognizer(tiny['config'], tiny['checkpoint'], device='cuda')
    keypoint = read_skeleton_pickle(tiny['pickle'], 'xsub_val')[0][0].keypoint
    np.testing.assert_allclose(predict_scores(cuda, keypoint),
                               predict_scores(model, keypoint), atol=1e-5)
