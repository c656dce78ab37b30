"""model-index.yml and the metafiles: they parse, cover every config exactly
once, point at existing configs and agree with them; the paper's numbers
stay marked as the paper's."""
import glob
import os.path as osp

import pytest
import yaml

from brl_mm.testing import REPO, load_config

CONFIGS = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(REPO, 'configs/brl/**/*.py'), recursive=True))
METAFILES = sorted(
    osp.relpath(p, REPO) for p in glob.glob(
        osp.join(REPO, 'configs/brl/**/metafile.yml'), recursive=True))
TASK = 'Skeleton-based Action Recognition'
#: ``Paper ...``: published by the BRL authors; the others: measured by us.
METRICS = {'Paper Top 1 Accuracy', 'Top 1 Accuracy', 'Mean Class Accuracy'}
STREAMS = dict(j='joint', b='bone', k='skip', jm='joint motion',
               bm='bone motion', km='skip motion')


def load(path):
    with open(osp.join(REPO, path)) as f:
        return yaml.safe_load(f)


@pytest.fixture(scope='module')
def models():
    index = load('model-index.yml')
    assert sorted(index['Import']) == METAFILES  # every metafile, no other
    entries, collections = [], set()
    for metafile in index['Import']:
        data = load(metafile)
        collections |= {c['Name'] for c in data.get('Collections', [])}
        for model in data['Models']:
            # a metafile describes the configs of its own folder
            assert osp.dirname(model['Config']) == osp.dirname(metafile)
            entries.append(model)
    for model in entries:
        assert model['In Collection'] in collections
    return entries


def test_every_config_has_exactly_one_entry(models):
    configs = [m['Config'] for m in models]
    assert sorted(configs) == CONFIGS
    names = [m['Name'] for m in models]
    assert len(set(names)) == len(names)


def test_entries_agree_with_their_configs(models):
    for model in models:
        cfg = load_config(osp.join(REPO, model['Config']))
        meta = model['Metadata']
        assert meta['Epochs'] == cfg.train_cfg.max_epochs, model['Name']
        assert meta['Batch Size'] == cfg.train_dataloader.batch_size
        assert meta['Stream'] == STREAMS[cfg.modality], model['Name']
        is_brl = 'blending' in cfg.model.data_preprocessor
        assert ('BRL' in meta['Architecture']) == is_brl, model['Name']
        assert model.get('Weights') is None  # no checkpoints published yet


def test_results_are_marked(models):
    with_paper = []
    for model in models:
        for result in model.get('Results', []):
            assert result['Task'] == TASK
            assert set(result['Metrics']) <= METRICS, model['Name']
            for value in result['Metrics'].values():
                assert 0 < value < 100
            if 'Paper Top 1 Accuracy' in result['Metrics']:
                with_paper.append(model['Name'])
                # the paper's numbers are BRL runs at IF=100 (or K400)
                assert 'BRL' in model['Metadata']['Architecture']
                assert model['Metadata']['Training Data'].endswith(
                    ('(IF=100)', '(natural long tail)'))
    assert 'brl_stgcnpp_ntu60-xsub-lt100_j_headline' in with_paper
