"""How the data tools write their outputs: never over an existing file unless
asked, and never a half-written file."""
import os
import os.path as osp
import pickle
from typing import Any, Optional

__all__ = ['overwrite_refusal', 'dump_atomically']


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


def dump_atomically(obj: Any, path: str) -> None:
    """Write ``obj`` to ``path``, creating its folder: a pickle, or text when
    ``obj`` is a str. The file appears complete or not at all (written to
    ``path + '.tmp'``, then renamed).

    Args:
        obj: The object to pickle, or the text to write.
        path (str): The output file.
    """
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tmp = path + '.tmp'
    if isinstance(obj, str):
        with open(tmp, 'w') as f:
            f.write(obj)
    else:
        with open(tmp, 'wb') as f:
            pickle.dump(obj, f)
    os.replace(tmp, path)
