"""Launch helpers shared by tools/train.py and tools/test.py."""
import pytest
from mmengine.config import Config

from brl_mm.engine import (check_work_dir, configure_distributed,
                           default_work_dir)


def test_default_work_dir_follows_mmaction():
    assert default_work_dir('configs/brl/ntu60_xsub_lt.py') == \
        './work_dirs/ntu60_xsub_lt'


@pytest.mark.parametrize('asked, cuda, expected', [
    ('nccl', False, 'gloo'), ('nccl', True, 'nccl'), ('gloo', True, 'gloo'),
    (None, False, 'gloo')])
def test_backend_falls_back_to_gloo_without_cuda(asked, cuda, expected):
    cfg = Config(dict(env_cfg=dict(dist_cfg=dict(backend=asked)))
                 if asked else {})
    assert configure_distributed(cfg, cuda_available=cuda) == expected
    assert cfg.env_cfg.dist_cfg.backend == expected


def test_work_dir_with_checkpoints_is_protected(tmp_path):
    check_work_dir(str(tmp_path), resume=None)  # empty: fine
    (tmp_path / 'epoch_1.pth').write_bytes(b'x')
    with pytest.raises(FileExistsError, match='epoch_1.pth.*--resume.*'
                       '--work-dir.*--overwrite'):
        check_work_dir(str(tmp_path), resume=None)
    check_work_dir(str(tmp_path), resume=True)
    check_work_dir(str(tmp_path), resume=None, overwrite=True)


@pytest.mark.parametrize('launcher, cuda, wrapped', [
    ('pytorch', False, True), ('pytorch', True, False), ('none', False, False)])
def test_cpu_ddp_gets_no_device_ids(launcher, cuda, wrapped):
    cfg = Config(dict(launcher=launcher))
    configure_distributed(cfg, cuda_available=cuda)
    if wrapped:
        assert cfg.model_wrapper_cfg == dict(
            type='MMDistributedDataParallel', device_ids=None,
            broadcast_buffers=False, find_unused_parameters=False)
    else:
        assert 'model_wrapper_cfg' not in cfg
    custom = Config(dict(launcher='pytorch', model_wrapper_cfg=dict(
        type='MMDistributedDataParallel', find_unused_parameters=True)))
    configure_distributed(custom, cuda_available=False)
    assert custom.model_wrapper_cfg.find_unused_parameters is True
    assert 'device_ids' not in custom.model_wrapper_cfg
