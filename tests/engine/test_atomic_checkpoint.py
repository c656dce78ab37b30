"""Issue 16 item 1: checkpoints are written through a temporary file in the
same folder + fsync + os.replace, and --resume (no value) skips a truncated
latest checkpoint, naming it."""
import os
import os.path as osp

import pytest
import torch
from mmengine.fileio import get_file_backend

import brl_mm  # noqa: F401
from brl_mm.engine.hooks import (AtomicCheckpointHook, AtomicLocalBackend,
                                 find_resumable_checkpoint)


def test_backend_is_registered_and_hook_uses_it():
    backend = get_file_backend(backend_args=dict(backend='atomic_local'))
    assert isinstance(backend, AtomicLocalBackend)
    assert AtomicCheckpointHook().backend_args == dict(backend='atomic_local')
    assert AtomicCheckpointHook(out_dir='s3://bucket/x').backend_args is None
    explicit = dict(backend='local')
    assert AtomicCheckpointHook(backend_args=explicit).backend_args is explicit


def test_the_default_runtime_saves_atomically():
    from mmaction.registry import HOOKS
    from brl_mm.testing import REPO, load_config
    cfg = load_config(osp.join(REPO, 'configs/_base_/default_runtime.py'))
    assert cfg.default_hooks.checkpoint.type == 'AtomicCheckpointHook'
    assert HOOKS.get('AtomicCheckpointHook') is AtomicCheckpointHook


def test_a_failed_write_leaves_the_old_file_and_no_partial(tmp_path,
                                                           monkeypatch):
    target = tmp_path / 'epoch_1.pth'
    backend = AtomicLocalBackend()
    backend.put(b'old checkpoint', str(target))

    def killed(fd):  # the process dies after writing, before the rename
        raise KeyboardInterrupt

    monkeypatch.setattr(os, 'fsync', killed)
    with pytest.raises(KeyboardInterrupt):
        backend.put(b'new, half written', str(target))
    assert target.read_bytes() == b'old checkpoint'
    assert os.listdir(tmp_path) == ['epoch_1.pth']  # temp file removed
    monkeypatch.undo()
    backend.put_text('epoch_2.pth', str(tmp_path / 'last_checkpoint'))
    assert (tmp_path / 'last_checkpoint').read_text() == 'epoch_2.pth'


def test_runner_saves_through_the_atomic_backend(tmp_path, monkeypatch):
    from mmengine.runner import checkpoint as mm_checkpoint
    seen = []
    original = AtomicLocalBackend.put
    monkeypatch.setattr(AtomicLocalBackend, 'put',
                        lambda self, obj, path: seen.append(path) or
                        original(self, obj, path))
    mm_checkpoint.save_checkpoint(
        dict(state_dict=dict(w=torch.ones(1))), str(tmp_path / 'epoch_1.pth'),
        backend_args=AtomicCheckpointHook().backend_args)
    assert seen == [str(tmp_path / 'epoch_1.pth')]


def _save(path, value):
    torch.save(dict(state_dict=dict(w=torch.full((64, ), float(value)))),
               path)


def test_resume_skips_a_truncated_latest_checkpoint(tmp_path):
    for epoch in (1, 2, 3):
        _save(tmp_path / f'epoch_{epoch}.pth', epoch)
    data = (tmp_path / 'epoch_3.pth').read_bytes()
    (tmp_path / 'epoch_3.pth').write_bytes(data[:len(data) // 3])
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_3.pth'))
    found, skipped = find_resumable_checkpoint(str(tmp_path))
    assert found == str(tmp_path / 'epoch_2.pth')
    assert [p for p, _ in skipped] == [str(tmp_path / 'epoch_3.pth')]
    assert 'truncated' in skipped[0][1]


def test_resume_candidates_newest_first_and_pointer_not_trusted(tmp_path):
    assert find_resumable_checkpoint(str(tmp_path)) == (None, [])
    for epoch in (2, 10):
        _save(tmp_path / f'epoch_{epoch}.pth', epoch)
    (tmp_path / 'best_acc_epoch_10.pth').write_bytes(b'')  # not a candidate
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_11.pth'))
    found, skipped = find_resumable_checkpoint(str(tmp_path))
    assert found == str(tmp_path / 'epoch_10.pth')
    assert skipped == [(str(tmp_path / 'epoch_11.pth'),
                        'named by last_checkpoint but missing')]
    (tmp_path / 'epoch_10.pth').write_bytes(b'')
    (tmp_path / 'epoch_2.pth').write_bytes(b'junk')
    found, skipped = find_resumable_checkpoint(str(tmp_path))
    assert found is None and len(skipped) == 3
    assert osp.basename(skipped[1][0]) == 'epoch_10.pth'
