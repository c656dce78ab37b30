"""``brl://NAME``: the user's downloaded official file, converted on load, in
``load_checkpoint``, ``init_recognizer`` and ``tools/test.py``; nothing is
downloaded. The fake "official" files have the keys and shapes of the
original BRL models (../shared/data/brl_checkpoint_layout)."""
import dataclasses
import hashlib
import os.path as osp
import pickle
import subprocess

import pytest
import torch
from mmengine.runner import load_checkpoint

from brl_mm.apis import init_recognizer
from brl_mm.datasets.class_names import load_class_names
from brl_mm.testing import (PYTHON, REPO, fake_brl_state_dict,
                            write_skeleton_pickle)
from brl_mm.zoo import get_zoo_entry, official_checkpoint_path
from brl_mm.zoo import model_zoo

NAME = 'brl_stgcnpp_ntu60-xsub-lt100_j'


@pytest.fixture
def brl_home(tmp_path, monkeypatch):
    monkeypatch.setenv('BRL_MM_HOME', str(tmp_path / 'home'))
    return tmp_path / 'home'


def put_official(name, backbone='stgcnpp', num_classes=60):
    """Save a fake official file where brl:// looks; returns its tensors."""
    state = fake_brl_state_dict(backbone, num_classes)
    if state is None:
        pytest.skip('../shared/data/brl_checkpoint_layout is absent')
    path = official_checkpoint_path(name)
    import os
    os.makedirs(osp.dirname(path), exist_ok=True)
    torch.save(dict(meta=dict(epoch=16), state_dict=state,
                    optimizer=dict(state={})), path)
    return state, path


def test_missing_file_says_where_to_download(brl_home):
    path = official_checkpoint_path(NAME)
    assert path == str(brl_home / 'official' / f'{NAME}.pth')
    with pytest.raises(FileNotFoundError) as info:
        load_checkpoint(torch.nn.Linear(1, 1), f'brl://{NAME}')
    message = str(info.value)
    assert path in message and 'BRL_MM_HOME' in message
    assert get_zoo_entry(NAME).source in message
    assert 'configs/BRL/ntu60_xsub_LT/j.py' in message


def test_name_without_official_checkpoint(brl_home):
    with pytest.raises(FileNotFoundError, match='no official BRL checkpoint'):
        load_checkpoint(torch.nn.Linear(1, 1), 'brl://synthetic_lt_cpu')


def test_init_recognizer_loads_converted_official_file(brl_home):
    state, path = put_official(NAME)
    model = init_recognizer(NAME, f'brl://{NAME}')
    loaded = model.state_dict()
    for key, value in state.items():
        new = key.replace('cls_head.fc_cls.', 'cls_head.fc.')
        assert torch.equal(loaded[new], value), key
    # no names in a converted file: the benchmark's packaged list
    assert model.dataset_meta['classes'] == load_class_names('ntu60')
    assert model.dataset_meta['classes'][0] == 'drink water'
    assert model.dataset_meta['layout'] == 'nturgb+d'


def test_sha256_is_recorded_and_checked(brl_home, monkeypatch):
    _, path = put_official(NAME)
    digest = hashlib.sha256(open(path, 'rb').read()).hexdigest()
    checkpoint = model_zoo.load_from_brl_zoo(f'brl://{NAME}')
    assert checkpoint['meta']['source_sha256'] == digest
    assert checkpoint['meta']['sha256_checked'] is False  # none known
    assert checkpoint['meta']['zoo_name'] == NAME
    assert checkpoint['meta']['expected_top1'] == 76.7

    entry = get_zoo_entry(NAME)
    good = dataclasses.replace(entry, sha256=digest)
    monkeypatch.setattr(model_zoo, 'get_zoo_entry', lambda name: good)
    assert model_zoo.load_from_brl_zoo(
        f'brl://{NAME}')['meta']['sha256_checked'] is True
    bad = dataclasses.replace(entry, sha256='0' * 64)
    monkeypatch.setattr(model_zoo, 'get_zoo_entry', lambda name: bad)
    with pytest.raises(ValueError, match='download it again'):
        model_zoo.load_from_brl_zoo(f'brl://{NAME}')


@pytest.mark.slow
def test_tools_test_resolves_brl_name(brl_home, tmp_path):
    put_official(NAME)
    ann = str(tmp_path / 'ntu60_tiny.pkl')
    write_skeleton_pickle(ann, list(range(4)) * 2,
                          dict(xsub_train=range(8), xsub_val=range(8)))
    dump = str(tmp_path / 'preds.pkl')
    config = get_zoo_entry(NAME).config_path
    result = subprocess.run(
        [PYTHON, 'tools/test.py', config, f'brl://{NAME}', '--work-dir',
         str(tmp_path / 'work'), '--dump', dump, '--cfg-options',
         f'test_dataloader.dataset.ann_file={ann}',
         'test_dataloader.num_workers=0',
         'test_dataloader.persistent_workers=False',
         'test_dataloader.dataset.pipeline.2.num_clips=1'],
        cwd=REPO, capture_output=True, text=True, timeout=600,
        env=dict(__import__('os').environ, BRL_MM_HOME=str(brl_home),
                 OMP_NUM_THREADS='1'))
    assert result.returncode == 0, result.stderr[-3000:]
    assert f'brl://{NAME}: converted' in result.stdout + result.stderr
    with open(dump, 'rb') as f:
        samples = pickle.load(f)
    assert len(samples) == 8 and samples[0]['pred_score'].shape == (60, )
