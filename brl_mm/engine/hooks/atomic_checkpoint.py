"""Checkpoints that are complete or absent, and a resume that skips any that
is not.

mmengine 0.10.7 writes a checkpoint with ``open(path, 'wb').write(...)``
(``LocalBackend.put``), so a run killed during a save leaves a truncated
``epoch_N.pth`` that ``--resume`` then fails on. :class:`AtomicLocalBackend`
is mmengine's local file backend whose ``put`` / ``put_text`` go through
:func:`brl_mm.utils.atomic_write` (a temporary file in the same folder, fsync,
``os.replace``); :class:`AtomicCheckpointHook` is mmengine's
``CheckpointHook`` saving through it. :func:`find_resumable_checkpoint` is
what ``tools/train.py --resume`` (no value) resumes from: the newest
checkpoint of the work dir whose framing is intact, naming each newer file it
skipped and why.
"""
import os
import os.path as osp
import re
from pathlib import Path
from typing import List, Optional, Tuple, Union

from mmaction.registry import HOOKS
from mmengine.fileio import LocalBackend, register_backend
from mmengine.hooks import CheckpointHook

from ...compat import describe_checkpoint_file
from ...utils import atomic_write

__all__ = [
    'AtomicCheckpointHook', 'AtomicLocalBackend', 'find_resumable_checkpoint'
]

_NUMBERED = re.compile(r'^(epoch|iter)_(\d+)\.pth$')


class AtomicLocalBackend(LocalBackend):
    """mmengine's ``LocalBackend`` whose writes are atomic.

    Registered as the file backend ``'atomic_local'``
    (``backend_args=dict(backend='atomic_local')``). Reading, listing and
    removing are ``LocalBackend``'s.
    """

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        """Write bytes to ``filepath``: all of them, or leave it as it was.

        Args:
            obj (bytes): The data.
            filepath (str | Path): The file (its folder is created).
        """
        with atomic_write(str(filepath), 'wb') as f:
            f.write(obj)

    def put_text(self, obj: str, filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        """Write text to ``filepath`` atomically (UTF-8 only).

        Args:
            obj (str): The text.
            filepath (str | Path): The file (its folder is created).
            encoding (str): Must be ``'utf-8'``.
        """
        if encoding.lower().replace('-', '') != 'utf8':
            raise ValueError(f'AtomicLocalBackend writes UTF-8 only, got '
                             f'encoding={encoding!r}')
        with atomic_write(str(filepath), 'w') as f:
            f.write(obj)


register_backend('atomic_local', AtomicLocalBackend)


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook``, saving every checkpoint atomically.

    A local ``out_dir`` (the default: the work dir) without explicit
    ``backend_args`` / ``file_client_args`` is written through
    :class:`AtomicLocalBackend`, so a kill during a save leaves the earlier
    checkpoints and no partial file (only a ``.epoch_N.pth.*.tmp`` beside
    them, which nothing reads). Remote ``out_dir`` and explicit backends are
    left as configured. mmengine's ``last_checkpoint`` pointer file is still
    written by ``CheckpointHook``; :func:`find_resumable_checkpoint` does not
    trust it blindly.

    Args:
        out_dir (str, optional): As ``CheckpointHook``.
        backend_args (dict, optional): As ``CheckpointHook``; default
            ``dict(backend='atomic_local')`` for a local ``out_dir``.
        file_client_args (dict, optional): As ``CheckpointHook`` (deprecated
            there).
        **kwargs: The other arguments of ``CheckpointHook`` (``interval``,
            ``save_best``, ``max_keep_ckpts``, ...).
    """

    def __init__(self,
                 out_dir: Optional[str] = None,
                 backend_args: Optional[dict] = None,
                 file_client_args: Optional[dict] = None,
                 **kwargs) -> None:
        local = out_dir is None or '://' not in str(out_dir)
        if backend_args is None and file_client_args is None and local:
            backend_args = dict(backend='atomic_local')
        super().__init__(out_dir=out_dir, backend_args=backend_args,
                         file_client_args=file_client_args, **kwargs)


def find_resumable_checkpoint(
        work_dir: str) -> Tuple[Optional[str], List[Tuple[str, str]]]:
    """The newest checkpoint of a work dir that is a complete torch file.

    Candidates, newest first: the file ``last_checkpoint`` names, then the
    ``epoch_N.pth`` / ``iter_N.pth`` files by descending ``N``. Each is
    checked with :func:`brl_mm.compat.describe_checkpoint_file`
    (framing and CRCs, nothing is unpickled).

    Args:
        work_dir (str): The run's work dir.

    Returns:
        tuple: The checkpoint to resume from (None when no candidate is
        readable or there is none) and ``(file, why it was skipped)`` of
        every newer candidate.
    """
    candidates: List[str] = []
    pointer = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(pointer):
        with open(pointer, encoding='utf-8', errors='replace') as f:
            named = f.read().strip()
        if named:
            candidates.append(named)
    numbered = []
    if osp.isdir(work_dir):
        for name in os.listdir(work_dir):
            match = _NUMBERED.match(name)
            if match:
                numbered.append((int(match.group(2)), name))
    for _, name in sorted(numbered, reverse=True):
        path = osp.join(work_dir, name)
        if all(osp.abspath(path) != osp.abspath(c) for c in candidates):
            candidates.append(path)
    skipped: List[Tuple[str, str]] = []
    for path in candidates:
        if not osp.isfile(path):
            skipped.append((path, 'named by last_checkpoint but missing'))
            continue
        problem = describe_checkpoint_file(path)
        if problem is None:
            return path, skipped
        skipped.append((path, problem))
    return None, skipped
