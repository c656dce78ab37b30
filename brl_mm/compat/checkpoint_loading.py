"""Shim ``trusted_checkpoint_loading``: torch >= 2.6 loads with
``weights_only=True``, which rejects mmengine checkpoints (mmengine #1655).

Before anything is unpickled, :func:`describe_checkpoint_file` checks the
file's framing without executing any of it (zip structure and member CRCs,
or the opcodes of a pickle, read with :mod:`pickletools`): an empty,
truncated, foreign or random file is reported as what it is, and is never
handed to ``weights_only=False`` unpickling.
"""
import io
import logging
import os
import os.path as osp
import pickle
import pickletools
import zipfile
from typing import List, Optional

__all__ = [
    'UnreadableCheckpointError', 'describe_checkpoint_file',
    'load_from_local_trusted', 'pickled_globals',
    'shim_trusted_checkpoint_loading'
]

_logger = logging.getLogger('brl_mm')

_ZIP_MAGIC = b'PK\x03\x04'
# the first pickle of torch's legacy (pre-1.6, non-zip) format is this number
_LEGACY_TORCH_MAGIC = 0x1950a86a20f9469cfc6c
# globals that torch.load(weights_only=True) accepts itself
_TORCH_OWN_MODULES = ('torch', 'collections')


class UnreadableCheckpointError(ValueError):
    """A checkpoint file that is not a (complete) torch checkpoint."""


def _pickle_summary(stream) -> str:
    """What the first pickle of ``stream`` builds, read without running it."""
    first = None
    for opcode, arg, _ in pickletools.genops(stream):
        if opcode.name in ('PROTO', 'FRAME'):
            continue
        if first is None:
            first = (opcode.name, arg)
            break
    name, arg = first
    if name in ('LONG1', 'LONG4', 'BININT', 'LONG') and \
            arg == _LEGACY_TORCH_MAGIC:
        return 'legacy-torch'
    return {
        'EMPTY_LIST': 'a pickled list',
        'EMPTY_DICT': 'a pickled dict',
        'EMPTY_TUPLE': 'a pickled tuple',
        'MARK': 'a pickled object',
    }.get(name, 'a pickled object')


def describe_checkpoint_file(filename: str) -> Optional[str]:
    """Check that a file is framed as a torch checkpoint, without unpickling.

    A zip checkpoint (``torch.save``'s format since torch 1.6) must have its
    central directory (a truncated file has none), a ``data.pkl`` member and
    members whose CRCs match; a legacy checkpoint must start with torch's
    magic-number pickle.

    Args:
        filename (str): The file.

    Returns:
        str | None: None for a well-framed torch checkpoint, else what the
        file is, e.g. ``'a truncated or damaged zip archive (1234 bytes; its
        central directory is missing): ...'``.
    """
    size = os.path.getsize(filename)
    if size == 0:
        return ('an empty file (0 bytes): a save that was interrupted before '
                'it wrote anything, or a file made by something else')
    with open(filename, 'rb') as f:
        head = f.read(64)
        if head.startswith(_ZIP_MAGIC):
            try:
                with zipfile.ZipFile(f) as archive:
                    names = archive.namelist()
                    if not any(n == 'data.pkl' or n.endswith('/data.pkl')
                               for n in names):
                        return (f'a zip archive that torch.save did not write '
                                f'(no data.pkl; it holds {names[:3]})')
                    bad = archive.testzip()
            except (zipfile.BadZipFile, EOFError, OSError):
                return (f'a truncated or damaged zip archive ({size} bytes, '
                        'no central directory): a torch checkpoint whose save '
                        'was '
                        'interrupted, e.g. a run killed while writing it')
            if bad is not None:
                return (f'a damaged torch checkpoint (member {bad} fails its '
                        'CRC check): the file was changed or corrupted after '
                        'it was written')
            return None
        if len(head) > 1 and head[0] == 0x80 and 2 <= head[1] <= 5:
            f.seek(0)
            try:
                summary = _pickle_summary(f)
            except Exception:  # genops on bytes that only look like a pickle
                return (f'a damaged or truncated pickle ({size} bytes), not a '
                        'torch checkpoint')
            if summary == 'legacy-torch':
                return None
            return (f'{summary}, not a torch checkpoint (torch.save writes a '
                    'zip archive): a tools/test.py --dump file or a dataset '
                    'annotation pickle, perhaps')
    text = head.decode('ascii', errors='replace')
    if text.startswith('version https://git-lfs'):
        return ('a Git LFS pointer, not the checkpoint itself: fetch it with '
                '`git lfs pull`')
    if all(c.isprintable() or c in '\r\n\t' for c in text):
        return (f'a text file (it starts with {text[:40]!r}), not a torch '
                'checkpoint: e.g. an error page saved by a failed download')
    return (f'not a torch checkpoint: an unknown format ({size} bytes, first '
            f'bytes {head[:8].hex(" ")})')


def pickled_globals(filename: str) -> List[str]:
    """The non-torch Python globals a zip checkpoint's pickle refers to.

    Read from the opcodes of ``data.pkl`` (nothing is executed); these are
    what ``weights_only=True`` rejects.

    Args:
        filename (str): A zip checkpoint (checked with
            :func:`describe_checkpoint_file`).

    Returns:
        list[str]: ``module.name`` strings in order of first use; empty for a
        legacy (non-zip) checkpoint.
    """
    if not zipfile.is_zipfile(filename):
        return []
    with zipfile.ZipFile(filename) as archive:
        name = next(n for n in archive.namelist() if n.endswith('data.pkl'))
        data = archive.read(name)
    found: List[str] = []
    strings: List[str] = []
    for opcode, arg, _ in pickletools.genops(io.BytesIO(data)):
        if opcode.name == 'GLOBAL':
            ref = str(arg).replace(' ', '.')
        elif opcode.name == 'STACK_GLOBAL' and len(strings) >= 2:
            ref = f'{strings[-2]}.{strings[-1]}'
        else:
            if isinstance(arg, str):
                strings.append(arg)
            continue
        if ref.split('.')[0] not in _TORCH_OWN_MODULES and ref not in found:
            found.append(ref)
    return found


def load_from_local_trusted(filename: str, map_location=None):
    """Load a local checkpoint file that the user named.

    The file's framing is checked first (:func:`describe_checkpoint_file`);
    then ``torch.load(weights_only=True)`` is tried. mmengine checkpoints hold
    Python objects (numpy scalars, the message hub), so on that failure the
    file is read again with ``weights_only=False`` and a log line names the
    objects. Unpickling can execute code: point ``load_from`` / ``--resume``
    only at checkpoints you trust.

    Args:
        filename (str): Path of the checkpoint file.
        map_location: Same as :func:`torch.load`.

    Raises:
        FileNotFoundError: No such file.
        UnreadableCheckpointError: Empty, truncated, damaged or foreign.

    Returns:
        dict: The loaded checkpoint.
    """
    import torch

    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(
            f'checkpoint {filename} not found: check `load_from` / `--resume` '
            '/ the CHECKPOINT argument')
    problem = describe_checkpoint_file(filename)
    if problem is not None:
        raise UnreadableCheckpointError(
            f'checkpoint {filename} cannot be loaded: it is {problem}. '
            'Name another checkpoint (for --resume: an earlier epoch_N.pth '
            'of the work dir).')
    try:
        try:
            return torch.load(filename, map_location=map_location,
                              weights_only=True)
        except pickle.UnpicklingError:
            # Python objects besides tensors: the trusted path below
            pass
        objects = pickled_globals(filename)
        from mmengine.logging import print_log
        print_log(
            f'brl_mm: {filename} holds Python objects besides tensors '
            f'({", ".join(objects[:4]) or "non-tensor values"}'
            f'{", ..." if len(objects) > 4 else ""}); loading it with '
            'weights_only=False because you named it. Only load checkpoints '
            'you trust.',
            logger='current', level=logging.INFO)
        return torch.load(filename, map_location=map_location,
                          weights_only=False)
    except (RuntimeError, EOFError, pickle.UnpicklingError, ValueError,
            AttributeError, ModuleNotFoundError) as e:
        raise UnreadableCheckpointError(
            f'checkpoint {filename} cannot be loaded: torch could not read it '
            f'({type(e).__name__}: {e})') from e


def shim_trusted_checkpoint_loading() -> bool:
    """Route local checkpoint files through :func:`load_from_local_trusted`."""
    from mmengine.runner.checkpoint import CheckpointLoader
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_from_local_trusted, force=True)
    return True
