"""Issue 16 item 4: one run per work dir (an fcntl lock naming its holder,
stale locks of dead runs detected) and --overwrite moving the earlier run
aside."""
import json
import os
import socket
import subprocess
import sys

import pytest

from brl_mm.engine.work_dir import (LOCK_FILE, WorkDirInUseError, WorkDirLock,
                                    move_earlier_run_aside)


def test_second_lock_refuses_naming_the_holder(tmp_path):
    with WorkDirLock(str(tmp_path / 'run')):
        with pytest.raises(WorkDirInUseError) as error:
            WorkDirLock(str(tmp_path / 'run')).acquire()
    message = str(error.value)
    assert f'pid {os.getpid()} on host {socket.gethostname()}' in message
    assert 'another --work-dir' in message
    # released: a clean end leaves no record, the next lock takes it
    lock = WorkDirLock(str(tmp_path / 'run')).acquire()
    assert lock.stale_note is None
    lock.release()


def test_lock_of_a_killed_run_is_detected_as_stale(tmp_path):
    work_dir = str(tmp_path / 'run')
    code = ('import os, sys; sys.path.insert(0, os.getcwd());'
            'from brl_mm.engine.work_dir import WorkDirLock;'
            f'WorkDirLock({work_dir!r}).acquire(); print(os.getpid());'
            'os._exit(9)')  # dies holding the lock, like kill -9
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True,
                          text=True, cwd=os.path.dirname(
                              os.path.dirname(os.path.dirname(__file__))))
    dead_pid = int(proc.stdout.strip())
    record = json.load(open(os.path.join(work_dir, LOCK_FILE)))
    assert record['pid'] == dead_pid
    lock = WorkDirLock(work_dir).acquire()
    assert f'pid {dead_pid}' in lock.stale_note
    assert 'no longer running' in lock.stale_note
    lock.release()


def test_overwrite_moves_every_file_of_the_earlier_run(tmp_path):
    work_dir = tmp_path / 'run'
    (work_dir / '20260101_000000').mkdir(parents=True)
    (work_dir / 'epoch_1.pth').write_bytes(b'x')
    (work_dir / 'config.py').write_text('a = 1')
    with WorkDirLock(str(work_dir)):
        moved = move_earlier_run_aside(str(work_dir))
        assert os.listdir(work_dir) == [LOCK_FILE]
    assert os.path.basename(moved).startswith('run.replaced-')
    assert sorted(os.listdir(moved)) == ['20260101_000000', 'config.py',
                                         'epoch_1.pth']
    assert move_earlier_run_aside(str(work_dir)) is None  # nothing left


@pytest.mark.parametrize('launcher, env, rank', [
    ('none', {}, 0),
    ('pytorch', dict(RANK='3'), 3),
    ('slurm', dict(SLURM_PROCID='5'), 5),
    ('mpi', dict(OMPI_COMM_WORLD_RANK='2'), 2),
    ('none', dict(SLURM_PROCID='5'), 0),  # not a slurm launch
])
def test_only_rank_0_takes_the_lock(monkeypatch, launcher, env, rank):
    from brl_mm.engine.launch import launcher_rank
    for name in ('RANK', 'SLURM_PROCID', 'OMPI_COMM_WORLD_RANK', 'PMI_RANK'):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert launcher_rank(launcher) == rank
