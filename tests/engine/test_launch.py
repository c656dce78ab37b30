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


def _load_tool(name):
    import importlib.util
    import os.path as osp

    from brl_mm.testing import REPO
    spec = importlib.util.spec_from_file_location(
        f'brl_tool_{name}', osp.join(REPO, 'tools', f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_train_tool_takes_mmaction_arguments():
    args = _load_tool('train').parse_args([
        'cfg.py', '--work-dir', 'w', '--resume', '--amp', '--no-validate',
        '--auto-scale-lr', '--seed', '3', '--diff-rank-seed',
        '--deterministic', '--overwrite', '--cfg-options', 'a.b=1',
        '--launcher', 'pytorch', '--local-rank', '0'])
    assert (args.resume, args.seed, args.launcher) == ('auto', 3, 'pytorch')
    assert args.cfg_options == {'a.b': 1}
    assert args.amp and args.deterministic and args.overwrite


def test_test_tool_takes_mmaction_arguments():
    args = _load_tool('test').parse_args([
        'cfg.py', 'ckpt.pth', '--work-dir', 'w', '--dump', 'p.pkl',
        '--show-dir', 'vis', '--show', '--interval', '2', '--wait-time', '1',
        '--cfg-options', 'a=2', '--launcher', 'slurm'])
    assert (args.checkpoint, args.dump, args.show_dir, args.interval) == (
        'ckpt.pth', 'p.pkl', 'vis', 2)
    assert args.show and args.wait_time == 1 and args.launcher == 'slurm'


def test_shutdown_distributed_ends_the_process_group(tmp_path):
    import torch.distributed as dist

    from brl_mm.engine.launch import shutdown_distributed
    from brl_mm.testing import free_port
    shutdown_distributed()  # nothing to end: a no-op
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{free_port()}',
                            rank=0, world_size=1)
    assert dist.is_initialized()
    shutdown_distributed()
    assert not dist.is_initialized()


def _shutdown_on_rank(rank, port, out_dir, slow_rank):
    import json
    import time

    import torch.distributed as dist

    from brl_mm.engine.launch import shutdown_distributed
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}',
                            rank=rank, world_size=2)
    if rank == slow_rank:  # as rank 0 writing the last checkpoint
        time.sleep(1.0)
    start = time.monotonic()
    shutdown_distributed()
    with open(f'{out_dir}/rank{rank}.json', 'w') as f:
        json.dump(dict(initialized=dist.is_initialized(),
                       waited=time.monotonic() - start), f)


def test_shutdown_distributed_waits_for_every_rank(tmp_path):
    import json

    import torch.multiprocessing as mp

    from brl_mm.testing import free_port
    mp.spawn(_shutdown_on_rank, args=(free_port(), str(tmp_path), 0),
             nprocs=2, join=True)
    ranks = [json.loads((tmp_path / f'rank{r}.json').read_text())
             for r in (0, 1)]
    assert not ranks[0]['initialized'] and not ranks[1]['initialized']
    # the fast rank waited at the barrier for the slow one
    assert ranks[1]['waited'] > 0.5
    assert ranks[1]['waited'] > ranks[0]['waited']
