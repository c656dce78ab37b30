"""Launch helpers shared by tools/train.py and tools/test.py."""
import pytest
from mmengine.config import Config

from brl_mm.engine import check_work_dir, default_work_dir, select_dist_backend


def test_default_work_dir_follows_mmaction():
    assert default_work_dir('configs/brl/ntu60_xsub_lt.py') == \
        './work_dirs/ntu60_xsub_lt'


@pytest.mark.parametrize('asked, cuda, expected', [
    ('nccl', False, 'gloo'), ('nccl', True, 'nccl'), ('gloo', True, 'gloo'),
    (None, False, 'gloo')])
def test_backend_falls_back_to_gloo_without_cuda(asked, cuda, expected):
    cfg = Config(dict(env_cfg=dict(dist_cfg=dict(backend=asked)))
                 if asked else {})
    assert select_dist_backend(cfg, cuda_available=cuda) == expected
    assert cfg.env_cfg.dist_cfg.backend == expected


def test_work_dir_with_checkpoints_is_protected(tmp_path):
    check_work_dir(str(tmp_path), resume=None)  # empty: fine
    (tmp_path / 'epoch_1.pth').write_bytes(b'x')
    with pytest.raises(FileExistsError, match='epoch_1.pth.*--resume.*'
                       '--work-dir.*--overwrite'):
        check_work_dir(str(tmp_path), resume=None)
    check_work_dir(str(tmp_path), resume=True)
    check_work_dir(str(tmp_path), resume=None, overwrite=True)
