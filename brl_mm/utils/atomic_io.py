"""The one way brl-mm writes a file: complete or not at all, and never over
an existing file unless the user asked for it."""
import contextlib
import os
import sys
import os.path as osp
import pickle
import tempfile
from typing import IO, Any, Iterator, Optional

__all__ = [
    'atomic_write', 'dump_atomically', 'overwrite_refusal', 'refuse_to_overwrite'
]


@contextlib.contextmanager
def atomic_write(path: str, mode: str = 'wb',
                 fsync: bool = True) -> Iterator[IO]:
    """Open a temporary file beside ``path`` that replaces ``path`` when the
    block ends without an error.

    The temporary file is made with ``mkstemp`` in the target folder (so the
    final ``os.replace`` is a rename on one file system), flushed and
    ``fsync``-ed before the rename; on any error it is removed and ``path``
    is left as it was. The folder is created if needed.

    Args:
        path (str): The file to write.
        mode (str): ``'wb'`` (default) or ``'w'`` (text, UTF-8).
        fsync (bool): Flush the file to disk before the rename (default).
            A cache that may be lost in a crash (but must never be read
            half-written) passes False: still atomic, much cheaper.

    Yields:
        The open temporary file.
    """
    if mode not in ('wb', 'w'):
        raise ValueError(f"atomic_write: mode must be 'wb' or 'w', got {mode!r}")
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f'.{osp.basename(path)}.',
                               suffix='.tmp')
    try:
        # mkstemp makes the file private (0600); give it the mode a plain
        # open() would (or keep the mode of the file it replaces)
        os.chmod(tmp, _target_mode(path))
        with os.fdopen(fd, mode, **({} if 'b' in mode else
                                    dict(encoding='utf-8'))) as f:
            yield f
            f.flush()
            if fsync:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _target_mode(path: str) -> int:
    """The permission bits for ``path``: those of the existing file, else
    ``0o666`` under the process's umask."""
    try:
        return os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def dump_atomically(obj: Any, path: str) -> None:
    """Write ``obj`` to ``path`` with :func:`atomic_write`: a pickle, or text
    when ``obj`` is a str.

    Args:
        obj: The object to pickle, or the text to write.
        path (str): The output file.
    """
    if isinstance(obj, str):
        with atomic_write(path, 'w') as f:
            f.write(obj)
    else:
        with atomic_write(path, 'wb') as f:
            pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)


def overwrite_refusal(path: str, force: bool) -> Optional[str]:
    """The error message for writing over ``path``, or None when allowed.

    Args:
        path (str): The output file.
        force (bool): The user passed ``--force``.

    Returns:
        str | None: ``'error: PATH exists; pass --force to overwrite it'`` if
        the file exists and ``force`` is False, else None.
    """
    if osp.exists(path) and not force:
        return f'error: {path} exists; pass --force to overwrite it'
    return None


def refuse_to_overwrite(path: str, force: bool) -> bool:
    """For command-line tools: print :func:`overwrite_refusal`'s message to
    stderr and return True when ``path`` must not be written (the tool then
    exits with status 2).

    Args:
        path (str): The output file.
        force (bool): The user passed ``--force``.

    Returns:
        bool: Whether the tool must stop.
    """
    refusal = overwrite_refusal(path, force)
    if refusal:
        print(refusal, file=sys.stderr)
    return refusal is not None
