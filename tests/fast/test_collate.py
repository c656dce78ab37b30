"""compact_collate: the same batch as mmengine's pseudo_collate, in the
building process and after a DataLoader worker hands it over (inputs as one
stacked tensor, data samples as one pickle); the configs use it."""
import os.path as osp
import pickle

import numpy as np
import pytest
import torch
from mmaction.structures import ActionDataSample
from mmengine.dataset import pseudo_collate
from mmengine.registry import FUNCTIONS

import brl_mm  # noqa: F401  (registration)
from brl_mm.fast import compact_collate
from brl_mm.fast.collate import InlinePickledList, StackedTensorList
from brl_mm.testing import REPO, load_config


def _samples(n=5, shapes=None):
    out = []
    for i in range(n):
        shape = shapes[i] if shapes else (1, 2, 6, 25, 3)
        sample = ActionDataSample().set_gt_label(i % 3)
        sample.set_metainfo(dict(frame_dir=f'S{i:03d}'))
        out.append(dict(inputs=torch.randn(*shape, generator=torch.
                                           Generator().manual_seed(i)),
                        data_samples=sample))
    return out


class _Fixed(torch.utils.data.Dataset):

    def __init__(self, samples):
        self.samples = samples

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, index):
        return self.samples[index]


def _assert_same_batch(got, expected):
    assert type(got['inputs']) in (list, StackedTensorList)
    assert len(got['inputs']) == len(expected['inputs'])
    for a, b in zip(got['inputs'], expected['inputs']):
        assert a.dtype == b.dtype and a.shape == b.shape
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    for a, b in zip(got['data_samples'], expected['data_samples']):
        assert isinstance(a, ActionDataSample)
        assert torch.equal(a.gt_label, b.gt_label)
        assert a.frame_dir == b.frame_dir


def test_in_process_batch_is_the_pseudo_collate_batch():
    samples = _samples()
    batch = compact_collate(samples)
    assert isinstance(batch['inputs'], StackedTensorList)
    assert isinstance(batch['data_samples'], InlinePickledList)
    _assert_same_batch(batch, pseudo_collate(samples))
    # the same objects, nothing copied in the building process
    assert batch['inputs'][0] is samples[0]['inputs']
    # non-dict batches are pseudo_collate's
    assert compact_collate([1, 2]) == pseudo_collate([1, 2])


def test_pickled_inputs_travel_as_one_tensor():
    samples = _samples()
    batch = compact_collate(samples)
    function, args = batch['inputs'].__reduce__()
    assert len(args) == 1 and args[0].shape == (5, 1, 2, 6, 25, 3)
    again = pickle.loads(pickle.dumps(batch))
    assert type(again['inputs']) is list
    assert type(again['data_samples']) is list
    _assert_same_batch(again, pseudo_collate(samples))
    # unequal shapes cannot be stacked: they travel one by one
    mixed = compact_collate(_samples(2, shapes=[(1, 2, 6, 25, 3),
                                                (1, 2, 7, 25, 3)]))
    function, args = mixed['inputs'].__reduce__()
    assert function is list
    assert [t.shape[2] for t in pickle.loads(pickle.dumps(mixed))['inputs']
            ] == [6, 7]


@pytest.mark.parametrize('shapes', [None, [(1, 2, 6 + i % 2, 25, 3)
                                           for i in range(8)]])
def test_through_a_loader_worker(shapes):
    samples = _samples(8, shapes)
    loader = torch.utils.data.DataLoader(
        _Fixed(samples), batch_size=4, num_workers=1,
        collate_fn=compact_collate)
    batches = list(loader)
    assert len(batches) == 2
    for index, batch in enumerate(batches):
        assert type(batch['inputs']) is list
        _assert_same_batch(batch,
                           pseudo_collate(samples[4 * index:4 * index + 4]))


def test_registered_and_used_by_the_dataset_bases():
    assert FUNCTIONS.get('compact_collate') is compact_collate
    cfg = load_config(osp.join(REPO, 'configs/brl/ntu60_xsub_lt.py'))
    for loader in (cfg.train_dataloader, cfg.val_dataloader,
                   cfg.test_dataloader):
        assert loader.collate_fn == dict(type='compact_collate')


def test_model_step_is_the_same_with_either_collate():
    """The preprocessor (stack + mixup) sees the same batch."""
    from mmaction.registry import MODELS
    from mmengine.registry import init_default_scope
    init_default_scope('mmaction')
    cfg = load_config(osp.join(REPO, 'configs/brl/ntu60_xsub_lt.py'))
    cfg.model.backbone.update(base_channels=8, num_stages=2,
                              inflate_stages=[], down_stages=[])
    cfg.model.cls_head.update(num_classes=3, in_channels=8)
    cfg.model.data_preprocessor.blending.update(num_classes=3,
                                                class_counts=[30, 10, 2])
    samples = _samples(16)  # mixup ratio 1/16: one mixed sample
    model = MODELS.build(cfg.model)
    outputs = []
    for collate in (pseudo_collate, compact_collate):
        batch = pickle.loads(pickle.dumps(collate(samples)))
        torch.manual_seed(0)
        np.random.seed(0)
        data = model.data_preprocessor(batch, training=True)
        outputs.append(data['inputs'])
    assert outputs[0].shape == (16, 1, 2, 6, 25, 3)
    torch.testing.assert_close(outputs[0], outputs[1], rtol=0, atol=0)
