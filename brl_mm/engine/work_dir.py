"""One run per work dir: a lock held for the life of a training run, and
``--overwrite`` that moves the earlier run aside instead of mixing into it.

:class:`WorkDirLock` takes an exclusive ``fcntl.flock`` on
``<work_dir>/.brl_mm_run.lock`` and writes who holds it (pid, host, start
time, command) into the file. A second run into the same dir fails at once
with :class:`WorkDirInUseError` naming the holder. The kernel drops the lock
when its process dies (``kill -9`` included), so a lock file left by a dead
run is detected as stale (its record names a process that holds no lock) and
taken over, with a message saying so. On NFS, Linux emulates ``flock`` with
POSIX locks, so the lock holds across hosts too.
"""
import fcntl
import json
import os
import os.path as osp
import socket
import sys
import time
from typing import Optional

__all__ = ['LOCK_FILE', 'WorkDirInUseError', 'WorkDirLock',
           'move_earlier_run_aside']

LOCK_FILE = '.brl_mm_run.lock'


class WorkDirInUseError(RuntimeError):
    """Another live run holds the work dir's lock."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


class WorkDirLock:
    """An exclusive lock on a work dir for as long as a run lives.

    Use as a context manager or with :meth:`acquire` / :meth:`release`.

    Args:
        work_dir (str): The run's work dir (created if needed).
    """

    def __init__(self, work_dir: str) -> None:
        self.work_dir = work_dir
        self.path = osp.join(work_dir, LOCK_FILE)
        self._fd: Optional[int] = None
        self.stale_note: Optional[str] = None

    def _read_record(self, fd: int) -> dict:
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 65536).decode('utf-8', errors='replace').strip()
        if not text:
            return {}
        try:
            record = json.loads(text)
        except json.JSONDecodeError:
            return dict(raw=text[:200])
        return record if isinstance(record, dict) else dict(raw=text[:200])

    @staticmethod
    def _describe(record: dict) -> str:
        if 'pid' not in record:
            return f'an unknown holder ({record.get("raw", "no record")})'
        return (f'pid {record["pid"]} on host {record.get("host", "?")}, '
                f'started {record.get("started", "?")} '
                f'({record.get("command", "?")})')

    def acquire(self) -> 'WorkDirLock':
        """Take the lock, or fail at once if a live run holds it.

        Raises:
            WorkDirInUseError: Naming the pid, host, start time and command
                of the run that holds it.

        Returns:
            WorkDirLock: ``self``; :attr:`stale_note` says whether a stale
            lock of a dead run was taken over.
        """
        os.makedirs(self.work_dir, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = self._describe(self._read_record(fd))
            os.close(fd)
            raise WorkDirInUseError(
                f'work dir {self.work_dir} is in use by another run: '
                f'{holder}. Wait for that run to end, or pass another '
                '--work-dir.') from None
        previous = self._read_record(fd)
        if 'pid' in previous:
            here = previous.get('host') == socket.gethostname()
            state = ('which is no longer running'
                     if here and not _pid_alive(int(previous['pid'])) else
                     'which holds no lock any more')
            self.stale_note = (f'took over the stale lock of a run that '
                               f'ended without releasing it: '
                               f'{self._describe(previous)}, {state}')
        record = dict(pid=os.getpid(), host=socket.gethostname(),
                      started=time.strftime('%Y-%m-%d %H:%M:%S'),
                      command=' '.join(sys.argv)[:300])
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, json.dumps(record).encode('utf-8'))
        os.fsync(fd)
        self._fd = fd
        return self

    def release(self) -> None:
        """Clear the record and drop the lock (a clean end leaves no stale
        record behind)."""
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> 'WorkDirLock':
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def move_earlier_run_aside(work_dir: str) -> Optional[str]:
    """Move every file of an earlier run out of ``work_dir`` (``--overwrite``).

    Nothing is deleted: the entries (all but the lock file) go into a new
    sibling folder ``<work_dir>.replaced-<YYYYmmdd-HHMMSS>``.

    Args:
        work_dir (str): The work dir (the caller holds its lock).

    Returns:
        str | None: The folder the earlier run now lives in, or None when
        ``work_dir`` held nothing.
    """
    if not osp.isdir(work_dir):
        return None
    entries = [e for e in os.listdir(work_dir) if e != LOCK_FILE]
    if not entries:
        return None
    base = f'{osp.abspath(work_dir).rstrip(os.sep)}.replaced-' \
           f'{time.strftime("%Y%m%d-%H%M%S")}'
    dest, n = base, 1
    while osp.exists(dest):
        dest, n = f'{base}-{n}', n + 1
    os.makedirs(dest)
    for entry in entries:
        os.replace(osp.join(work_dir, entry), osp.join(dest, entry))
    return dest
