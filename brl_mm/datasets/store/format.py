"""The skeleton store's on-disk format: names, version, the error type
and the index checksum shared by the writer and the reader."""
import hashlib
import os.path as osp
import re
from typing import Sequence

import numpy as np

#: ``format`` entry of every store's manifest.
STORE_FORMAT = 'brl_mm.skeleton_store'
#: Version of the layout this module writes and reads.
STORE_VERSION = 1
#: The key under which index-only dicts carry their store row.
STORE_ROW_KEY = '_store_row'
#: Arrays whose on-disk dtype is chosen at build (float16 or float32).
COORD_ARRAYS = ('keypoint', 'keypoint_score')

_MANIFEST = 'manifest.json'
_BUILD_HINT = ('build it again with `python tools/data/build_store.py '
               'PICKLE {path} --force`')
_NTU_NAME = re.compile(r'S(\d{3})C(\d{3})P(\d{3})R(\d{3})A(\d{3})')
_NTU_PARTS = ('setup', 'camera', 'subject', 'replication', 'action')


class StoreError(ValueError):
    """A store that cannot be read or written; the message names the
    directory, the sample and the fix."""


def is_skeleton_store(path: str) -> bool:
    """Whether ``path`` is a directory holding a finished store."""
    return osp.isfile(osp.join(path, _MANIFEST))




def _flat_view(column: np.ndarray) -> memoryview:
    """A flat memoryview of an index column (indexing gives Python
    numbers, much faster than numpy scalars for one sample)."""
    return memoryview(np.ascontiguousarray(column).reshape(-1))


def _index_digest(folder: str, files: Sequence[str]) -> str:
    """sha256 over the names and bytes of the index files."""
    sha = hashlib.sha256()
    for rel in files:
        sha.update(rel.encode() + b'\0')
        with open(osp.join(folder, rel), 'rb') as f:
            for chunk in iter(lambda: f.read(1 << 20), b''):
                sha.update(chunk)
    return sha.hexdigest()


