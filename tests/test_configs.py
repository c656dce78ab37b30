"""Every config builds; the benchmark config without its data fails with the
clear data-not-found error."""
import glob
import os.path as osp
import uuid

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from conftest import REPO, shrink_config

CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs', 'brl', '**', '*.py'),
                           recursive=True))


def _runner(cfg, tmp_path):
    cfg.work_dir = str(tmp_path / 'work')
    cfg.experiment_name = f'cfg_{uuid.uuid4().hex}'
    return Runner.from_cfg(cfg)


@pytest.mark.parametrize('config', CONFIGS,
                         ids=[osp.relpath(c, REPO) for c in CONFIGS])
def test_config_builds_and_loads_data(config, synthetic_pickle, tmp_path):
    cfg = Config.fromfile(config)
    assert cfg.custom_imports['imports'] == ['brl_mm']
    for loader in ('val_dataloader', 'test_dataloader'):
        pack = cfg[loader].dataset.pipeline[-1]
        assert 'frame_dir' in pack.meta_keys  # fusion aligns samples by id
    shrink_config(cfg, synthetic_pickle['path'], 4)
    runner = _runner(cfg, tmp_path)
    batch = next(iter(runner.build_dataloader(cfg.train_dataloader)))
    assert batch['inputs'][0].shape[-1] == 3
    assert runner.build_dataloader(cfg.val_dataloader).dataset.metainfo[
        'class_counts'] == [3, 3, 3, 3]


def test_benchmark_config_without_data_says_how_to_get_it(tmp_path,
                                                          monkeypatch):
    monkeypatch.chdir(tmp_path)  # no data/ here
    cfg = Config.fromfile(osp.join(REPO, 'configs/brl/ntu60_xsub_lt.py'))
    assert cfg.train_dataloader.dataset.dataset.lt_split_file == \
        'NTU60_xsub_exp_100'
    assert cfg.model.cls_head.num_classes == 60
    runner = _runner(cfg, tmp_path)  # model, hooks, optimizer settings
    with pytest.raises(FileNotFoundError) as err:
        runner.build_dataloader(cfg.train_dataloader)
    message = str(err.value)
    assert 'data/skeleton/ntu60_3danno.pkl not found' in message
    assert 'tools/data/skeleton/README.md' in message


def test_benchmark_recipe_matches_the_spec():
    cfg = Config.fromfile(osp.join(REPO, 'configs/brl/ntu60_xsub_lt.py'))
    assert cfg.train_cfg.max_epochs == 24
    assert cfg.train_dataloader.dataset.times == 5
    assert cfg.train_dataloader.batch_size == 16
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.momentum, opt.weight_decay,
            opt.nesterov) == ('SGD', 0.1, 0.9, 0.0005, True)
    assert cfg.auto_scale_lr == dict(enable=True, base_batch_size=128)
    backbone = cfg.model.backbone
    assert (backbone.gcn_adaptive, backbone.gcn_with_res,
            backbone.tcn_type) == ('init', True, 'mstcn')
    test_sampling = cfg.test_dataloader.dataset.pipeline[2]
    assert (test_sampling.clip_len, test_sampling.num_clips) == (64, 10)
