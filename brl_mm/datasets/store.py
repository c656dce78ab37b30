"""A memory-mapped skeleton store: mmaction skeleton annotations on disk as
contiguous arrays, so every process of a node shares one page cache.

mmaction's skeleton datasets unpickle the whole annotation file in every
process. A store keeps the same samples in a directory instead::

    STORE/
      manifest.json          written last: format, version, fields, splits,
                             classes, sizes and sha256 checksums
      index/<column>.bin     one small fixed-width column per field (label,
                             total_frames, keypoint shape and offset, ...),
                             strings as one UTF-8 blob + end offsets
      data/<array>.bin       every sample's ``keypoint`` (and
                             ``keypoint_score``, ...) back to back
      splits/<name>.bin      int64 rows of each split

Readers map the files with :class:`numpy.memmap` (read-only), so nothing is
unpickled per sample and forked loader workers, other ranks and other runs
on the node read the same cached pages. :class:`SkeletonStoreWriter` appends
sample by sample (a store larger than RAM can be built from a generator)
into a temporary sibling directory that is renamed into place only when the
manifest is written: a half-built store is never taken for a finished one.

What the store holds of each annotation: numpy arrays (any shape and
dtype; ``keypoint`` / ``keypoint_score`` in the dtype chosen at build),
ints, floats, bools, strings and fixed-length tuples / lists of numbers,
restored with their Python / numpy scalar type. Every sample must have the
same fields (as a column store needs).
"""
import array
import contextlib
import hashlib
import json
import math
import os
import os.path as osp
import re
import shutil
import tempfile
from typing import (Any, BinaryIO, Dict, Iterable, List, Optional, Sequence,
                    Tuple)

import numpy as np

from ..utils import atomic_write
from .validation import check_duplicate_ids, check_split_name

__all__ = [
    'STORE_FORMAT', 'STORE_VERSION', 'STORE_ROW_KEY', 'SkeletonStore',
    'SkeletonStoreWriter', 'StoreError', 'is_skeleton_store',
    'write_skeleton_store'
]

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


# --------------------------------------------------------------- writing
def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _scalar_kind(value: Any) -> Optional[Tuple[str, str]]:
    """``(kind, python type tag)`` of a scalar field value, or None."""
    if isinstance(value, (bool, np.bool_)):
        return 'bool', 'bool' if isinstance(value, bool) else 'np.bool_'
    if isinstance(value, (int, np.integer)):
        return 'int', 'int' if isinstance(value, int) else np.dtype(
            type(value)).str
    if isinstance(value, (float, np.floating)):
        return 'float', 'float' if isinstance(value, float) else np.dtype(
            type(value)).str
    if isinstance(value, str):
        return 'str', 'str'
    return None


_COLUMN_DTYPES = {'int': np.int64, 'float': np.float64, 'bool': np.uint8}


class _Column:
    """An append-only fixed-width column file of the store's index."""

    def __init__(self, folder: str, name: str, dtype: Any,
                 width: int = 1) -> None:
        self.name, self.dtype, self.width = name, np.dtype(dtype), width
        self.file = f'index/{name}.bin'
        self._f: BinaryIO = open(osp.join(folder, self.file), 'wb')
        self.rows = 0

    def append(self, value: Any) -> None:
        self._f.write(np.asarray(value, dtype=self.dtype).tobytes())
        self.rows += 1

    def close(self) -> None:
        self._f.flush()
        os.fsync(self._f.fileno())
        self._f.close()

    def spec(self) -> Dict:
        return dict(file=self.file, dtype=self.dtype.str, width=self.width)


class _Blob:
    """An append-only byte file (array data or UTF-8 strings) with a
    running sha256."""

    def __init__(self, folder: str, file: str) -> None:
        self.file = file
        self._f: BinaryIO = open(osp.join(folder, file), 'wb')
        self.bytes = 0
        self._sha = hashlib.sha256()

    def append(self, data: bytes) -> None:
        self._f.write(data)
        self._sha.update(data)
        self.bytes += len(data)

    def close(self) -> Dict:
        self._f.flush()
        os.fsync(self._f.fileno())
        self._f.close()
        return dict(file=self.file, bytes=self.bytes,
                    sha256=self._sha.hexdigest())


class SkeletonStoreWriter:
    """Write a skeleton store sample by sample.

    The schema (fields and their kinds) comes from the first sample; every
    later sample must match it. Use it as a context manager: the store
    appears at ``path`` when the block ends without an error (and after
    :meth:`commit`), otherwise nothing is left behind.

    Example:
        >>> with SkeletonStoreWriter('data/ntu60_store', classes=names) as w:
        ...     for ann in annotations:
        ...         w.add(ann, splits=membership[ann['frame_dir']])

    Args:
        path (str): The store directory to create.
        dtype (str, optional): On-disk dtype of ``keypoint`` and
            ``keypoint_score``: ``'float32'`` (bit-exact for float32
            sources) or ``'float16'`` (half the size; values rounded).
            ``None`` keeps the first sample's dtype when it is one of those
            two, else float32. Reading returns each array in the dtype the
            first sample had.
        force (bool): Replace an existing store (or directory) at ``path``.
            Defaults to False: an existing path is refused.
        classes (Sequence[str], optional): Class names.
        splits (Sequence[str]): Split names known up front (they exist even
            if no sample is added to them).
        split_identifier (str): The annotation field the source's split
            lists named samples by. Defaults to ``'frame_dir'``.
        drop_fields (Sequence[str]): Annotation fields not to store.
        meta (dict, optional): JSON-serializable notes kept in the manifest.
    """

    def __init__(self,
                 path: str,
                 dtype: Optional[str] = 'float32',
                 force: bool = False,
                 classes: Optional[Sequence[str]] = None,
                 splits: Sequence[str] = (),
                 split_identifier: str = 'frame_dir',
                 drop_fields: Sequence[str] = (),
                 meta: Optional[Dict] = None) -> None:
        if dtype is not None and np.dtype(dtype) not in (np.float16,
                                                         np.float32):
            raise StoreError(
                f"store dtype must be 'float32' or 'float16', got {dtype!r}")
        self.path = osp.abspath(path)
        if osp.exists(self.path) and not force:
            raise StoreError(
                f'{self.path} exists; pass force=True (--force) to replace '
                'it, or choose another directory')
        self.force = force
        self.dtype = None if dtype is None else np.dtype(dtype)
        self.classes = None if classes is None else [str(c) for c in classes]
        self.split_identifier = split_identifier
        self.drop_fields = set(drop_fields)
        self.meta = dict(meta or {})
        parent = osp.dirname(self.path)
        os.makedirs(parent, exist_ok=True)
        self._tmp = tempfile.mkdtemp(
            dir=parent, prefix=f'.{osp.basename(self.path)}.building-')
        for sub in ('index', 'data', 'splits'):
            os.mkdir(osp.join(self._tmp, sub))
        self._fields: Optional[Dict[str, Dict]] = None
        self._columns: Dict[str, _Column] = {}
        self._blobs: Dict[str, _Blob] = {}
        self._offsets: Dict[str, int] = {}
        self._splits: Dict[str, array.array] = {}
        for name in splits:
            self._split_rows(name)
        self._ntu_ok = True
        self.rows = 0
        self._done = False

    # ------------------------------------------------------------ schema
    def _split_rows(self, name: str) -> array.array:
        if name not in self._splits:
            if not re.fullmatch(r'[A-Za-z0-9_.+-]+', str(name)):
                raise StoreError(
                    f'split name {name!r} cannot be a file name; use '
                    'letters, digits and _ . + -')
            self._splits[name] = array.array('q')
        return self._splits[name]

    def _schema_of(self, ann: Dict) -> Dict[str, Dict]:
        fields: Dict[str, Dict] = {}
        for key, value in ann.items():
            if key in self.drop_fields:
                continue
            if key == STORE_ROW_KEY:
                raise StoreError(f'field name {key!r} is reserved')
            if isinstance(value, np.ndarray):
                read = value.dtype
                disk = read
                if key in COORD_ARRAYS:
                    disk = self.dtype or (read if read in (np.float16,
                                                           np.float32)
                                          else np.dtype(np.float32))
                fields[key] = dict(kind='array', ndim=value.ndim,
                                   dtype=disk.str, read_dtype=read.str)
                continue
            kind = _scalar_kind(value)
            if kind is not None:
                fields[key] = dict(kind=kind[0], type=kind[1])
                continue
            if isinstance(value, (tuple, list)) and value and all(
                    _scalar_kind(v) is not None and _scalar_kind(v)[0] in (
                        'int', 'float') for v in value):
                elem = ('float' if any(
                    _scalar_kind(v)[0] == 'float' for v in value) else 'int')
                fields[key] = dict(kind='tuple', container=type(
                    value).__name__, elem=elem, width=len(value))
                continue
            raise StoreError(
                f'field {key!r} of sample {ann.get("frame_dir")!r} is a '
                f'{type(value).__name__}; a store holds arrays, numbers, '
                'strings and tuples / lists of numbers. Drop the field '
                f'(--drop-field {key}) or convert it.')
        if 'keypoint' not in fields or fields['keypoint']['kind'] != 'array':
            raise StoreError(
                f'sample {ann.get("frame_dir")!r} has no keypoint array; a '
                'skeleton store needs keypoint (M, T, V, C) in every sample')
        if fields.get('label', {}).get('kind') != 'int':
            raise StoreError(
                f'sample {ann.get("frame_dir")!r} has label '
                f'{ann.get("label")!r}; labels must be 0-based int class '
                'indices: fix the pickle')
        return fields

    def _open_columns(self, fields: Dict[str, Dict]) -> None:
        for key, spec in fields.items():
            kind = spec['kind']
            if kind == 'array':
                self._blobs[key] = _Blob(self._tmp, f'data/{key}.bin')
                self._offsets[key] = 0
                self._columns[f'{key}.shape'] = _Column(
                    self._tmp, f'{key}.shape', np.int64, spec['ndim'])
                self._columns[f'{key}.offset'] = _Column(
                    self._tmp, f'{key}.offset', np.int64)
            elif kind == 'str':
                self._blobs[key] = _Blob(self._tmp, f'index/{key}.utf8')
                self._columns[f'{key}.end'] = _Column(self._tmp, f'{key}.end',
                                                      np.int64)
            elif kind == 'tuple':
                self._columns[key] = _Column(
                    self._tmp, key, _COLUMN_DTYPES[spec['elem']],
                    spec['width'])
            else:
                self._columns[key] = _Column(self._tmp, key,
                                             _COLUMN_DTYPES[kind])
        for name in ('keypoint.nonfinite', 'keypoint.all_zero'):
            self._columns[name] = _Column(self._tmp, name, np.uint8)
        self._ntu = {
            p: _Column(self._tmp, f'ntu.{p}', np.int64)
            for p in _NTU_PARTS
        }

    # ------------------------------------------------------------ append
    def add(self, ann: Dict, splits: Iterable[str] = ()) -> int:
        """Append one annotation.

        Args:
            ann (dict): An mmaction skeleton annotation (``frame_dir``,
                ``label``, ``keypoint`` ...).
            splits (Iterable[str]): The splits the sample belongs to.

        Returns:
            int: The sample's row in the store.
        """
        if self._done:
            raise StoreError(f'{self.path}: the store is already committed')
        where = f'sample {ann.get("frame_dir")!r} (row {self.rows})'
        if self._fields is None:
            self._fields = self._schema_of(ann)
            self._open_columns(self._fields)
        fields = self._fields
        keys = set(ann) - self.drop_fields
        if keys != set(fields):
            raise StoreError(
                f'{where} has fields {sorted(keys)} but the first sample has '
                f'{sorted(fields)}; every sample of a store has the same '
                'fields: fix the pickle or drop the odd ones (--drop-field)')
        for key, spec in fields.items():
            self._append_field(key, spec, ann[key], where)
        name = str(ann.get('frame_dir', ''))
        match = _NTU_NAME.fullmatch(name) if self._ntu_ok else None
        if match is None:
            self._ntu_ok = False
        else:
            for part, value in zip(_NTU_PARTS, match.groups()):
                self._ntu[part].append(int(value))
        for split in splits:
            self._split_rows(split).append(self.rows)
        self.rows += 1
        return self.rows - 1

    def _append_field(self, key: str, spec: Dict, value: Any,
                      where: str) -> None:
        kind = spec['kind']
        if kind == 'array':
            if not isinstance(value, np.ndarray) or value.ndim != spec['ndim']:
                raise StoreError(
                    f'{where}: {key} is {type(value).__name__} of shape '
                    f'{np.shape(value)}; the first sample has a '
                    f'{spec["ndim"]}-d array: fix the pickle')
            with np.errstate(over='ignore'):  # overflow: checked below
                disk = np.ascontiguousarray(value,
                                            dtype=np.dtype(spec['dtype']))
            if key == 'keypoint':
                finite = bool(np.isfinite(disk).all())
                if (not finite and disk.dtype != value.dtype
                        and np.isfinite(value).all()):
                    raise StoreError(
                        f'{where}: keypoint values beyond the range of '
                        f'{disk.dtype} (max |x| = {np.abs(value).max():g}); '
                        'build the store with dtype float32')
                self._columns['keypoint.nonfinite'].append(not finite)
                self._columns['keypoint.all_zero'].append(not disk.any())
            self._columns[f'{key}.shape'].append(value.shape)
            self._columns[f'{key}.offset'].append(self._offsets[key])
            self._blobs[key].append(disk.tobytes())
            self._offsets[key] += disk.size
        elif kind == 'str':
            if not isinstance(value, str):
                raise StoreError(f'{where}: {key} is {value!r}, not a string '
                                 'as in the first sample: fix the pickle')
            self._blobs[key].append(value.encode('utf-8'))
            self._columns[f'{key}.end'].append(self._blobs[key].bytes)
        elif kind == 'tuple':
            if (not isinstance(value, (tuple, list))
                    or len(value) != spec['width']):
                raise StoreError(
                    f'{where}: {key} is {value!r}; the first sample has a '
                    f'{spec["container"]} of {spec["width"]} numbers')
            self._columns[key].append(value)
        else:
            got = _scalar_kind(value)
            if got is None or got[0] != kind and not (kind == 'float'
                                                      and got[0] == 'int'):
                raise StoreError(
                    f'{where}: {key} is {value!r}; the first sample has a '
                    f'{kind} there: fix the pickle')
            self._columns[key].append(value)

    # ------------------------------------------------------------ finish
    def commit(self) -> str:
        """Write the index, the splits and, last, the manifest; move the
        store into place.

        Returns:
            str: The store directory.
        """
        if self._done:
            return self.path
        if self._fields is None:
            raise StoreError(f'{self.path}: no sample was added; a store '
                             'needs at least one annotation')
        arrays = {key: blob.close() for key, blob in self._blobs.items()
                  if self._fields[key]['kind'] == 'array'}
        strings = {key: blob.close() for key, blob in self._blobs.items()
                   if self._fields[key]['kind'] == 'str'}
        columns = {}
        for name, col in self._columns.items():
            col.close()
            columns[name] = col.spec()
        for col in self._ntu.values():
            col.close()
            if self._ntu_ok:
                columns[f'ntu.{col.name[4:]}'] = col.spec()
            else:
                os.remove(osp.join(self._tmp, col.file))
        split_files = {}
        for name, rows in self._splits.items():
            rel = f'splits/{name}.bin'
            with open(osp.join(self._tmp, rel), 'wb') as f:
                f.write(np.asarray(rows, dtype=np.int64).tobytes())
                f.flush()
                os.fsync(f.fileno())
            split_files[name] = rel
        index_files = sorted(
            [c['file'] for c in columns.values()] +
            [s['file'] for s in strings.values()] + list(split_files.values()))
        manifest = dict(
            format=STORE_FORMAT,
            version=STORE_VERSION,
            num_samples=self.rows,
            fields=self._fields,
            columns=columns,
            arrays=arrays,
            strings=strings,
            splits=split_files,
            split_identifier=self.split_identifier,
            classes=self.classes,
            index_sha256=_index_digest(self._tmp, index_files),
            index_files=index_files,
            meta=self.meta)
        with atomic_write(osp.join(self._tmp, _MANIFEST), 'w') as f:
            json.dump(manifest, f, indent=1)
        umask = os.umask(0o022)
        os.umask(umask)  # mkdtemp / mkstemp made these private: share them
        os.chmod(self._tmp, 0o777 & ~umask)
        os.chmod(osp.join(self._tmp, _MANIFEST), 0o666 & ~umask)
        for sub in ('index', 'data', 'splits', '.'):
            _fsync_dir(osp.join(self._tmp, sub))
        self._move_into_place()
        self._done = True
        return self.path

    def _move_into_place(self) -> None:
        old = None
        if osp.lexists(self.path):
            if not self.force:
                raise StoreError(f'{self.path} appeared while the store was '
                                 'built; pass force=True to replace it')
            old = tempfile.mkdtemp(
                dir=osp.dirname(self.path),
                prefix=f'.{osp.basename(self.path)}.replaced-')
            os.rename(self.path, osp.join(old, 'store'))
        os.rename(self._tmp, self.path)
        _fsync_dir(osp.dirname(self.path))
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def abort(self) -> None:
        """Remove the temporary directory (nothing at ``path`` changes)."""
        for f in list(self._blobs.values()) + list(self._columns.values()):
            with contextlib.suppress(Exception):
                f._f.close()
        shutil.rmtree(self._tmp, ignore_errors=True)
        self._done = True

    def __enter__(self) -> 'SkeletonStoreWriter':
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        elif not self._done:
            self.abort()


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


def write_skeleton_store(path: str,
                         annotations: Iterable[Dict],
                         splits: Optional[Dict[str, Sequence[str]]] = None,
                         classes: Optional[Sequence[str]] = None,
                         **kwargs) -> str:
    """Write annotations (e.g. an unpickled mmaction skeleton file) as a
    store.

    Args:
        path (str): The store directory.
        annotations (Iterable[dict]): The annotations, in order.
        splits (dict, optional): Split name to the ids of its samples (the
            ``frame_dir``, or ``filename`` when the annotations have one, as
            mmaction's ``PoseDataset`` matches them).
        classes (Sequence[str], optional): Class names.
        **kwargs: :class:`SkeletonStoreWriter` options (``dtype``,
            ``force``, ``drop_fields``, ``meta``).

    Returns:
        str: The store directory.
    """
    splits = splits or {}
    membership: Dict[str, List[str]] = {}
    for name, ids in splits.items():
        for i in ids:
            membership.setdefault(i, []).append(name)
    iterator = iter(annotations)
    first = next(iterator, None)
    if first is None:
        raise StoreError(f'{path}: there are no annotations to store')
    identifier = 'filename' if 'filename' in first else 'frame_dir'
    with SkeletonStoreWriter(path, classes=classes, splits=list(splits),
                             split_identifier=identifier, **kwargs) as w:
        for ann in _chain(first, iterator):
            w.add(ann, membership.get(ann.get(identifier), ()))
    return w.path


def _chain(first: Dict, rest: Iterable[Dict]) -> Iterable[Dict]:
    yield first
    yield from rest


# --------------------------------------------------------------- reading
class SkeletonStore:
    """A finished skeleton store, opened read-only.

    The index columns are read (and their sha256 checked) at open; the
    arrays are memory-mapped on first use in each process, so a store
    object that is pickled to a worker carries no data.

    Args:
        path (str): The store directory.
        verify (bool): Check the index checksum and the array file sizes.
            Defaults to True (fast: the index is small).

    Raises:
        StoreError: If the directory is no finished store, its version is
            not this one, or a file is missing, truncated or altered.
    """

    def __init__(self, path: str, verify: bool = True) -> None:
        self.path = osp.abspath(path)
        self.manifest = self._read_manifest()
        if verify:
            self._verify_index()
        m = self.manifest
        self.num_samples = int(m['num_samples'])
        self.fields: Dict[str, Dict] = m['fields']
        self.classes: Optional[List[str]] = m.get('classes')
        self.split_identifier: str = m.get('split_identifier', 'frame_dir')
        self._cols: Dict[str, np.ndarray] = {
            name: self._read_column(spec)
            for name, spec in m['columns'].items()
        }
        self._maps: Dict[str, np.ndarray] = {}
        if verify:
            for key, spec in m['arrays'].items():
                self._check_size(spec, spec['bytes'])

    # -------------------------------------------------------------- open
    def _fail(self, what: str, fix: Optional[str] = None) -> StoreError:
        return StoreError(f'skeleton store {self.path}: {what}; ' +
                          (fix or _BUILD_HINT.format(path=self.path)))

    def _read_manifest(self) -> Dict:
        if not osp.isdir(self.path):
            raise StoreError(
                f'skeleton store {self.path} not found (no such directory). '
                'Build one from a skeleton pickle with `python '
                f'tools/data/build_store.py PICKLE {self.path}`, or point '
                '`store=` at an existing store')
        path = osp.join(self.path, _MANIFEST)
        if not osp.isfile(path):
            raise self._fail(
                f'no {_MANIFEST}: this is not a finished store (an '
                'interrupted build never leaves one at this path; was the '
                'directory copied only in part?)')
        try:
            with open(path, encoding='utf-8') as f:
                manifest = json.load(f)
        except (OSError, ValueError) as e:
            raise self._fail(f'{_MANIFEST} is unreadable ({e})') from None
        if not isinstance(manifest, dict) or manifest.get(
                'format') != STORE_FORMAT:
            raise self._fail(f'{_MANIFEST} is not the manifest of a brl_mm '
                             'skeleton store')
        version = manifest.get('version')
        if version != STORE_VERSION:
            raise self._fail(
                f'format version {version!r}, but this brl_mm reads version '
                f'{STORE_VERSION}',
                'use the brl_mm version that wrote it, or ' +
                _BUILD_HINT.format(path=self.path))
        return manifest

    def _verify_index(self) -> None:
        files = self.manifest['index_files']
        missing = [f for f in files
                   if not osp.isfile(osp.join(self.path, f))]
        if missing:
            raise self._fail(f'index files are missing: {missing[:5]}')
        if _index_digest(self.path, files) != self.manifest['index_sha256']:
            raise self._fail('the index does not match its checksum (a file '
                             'was altered, truncated or partly copied)')

    def _check_size(self, spec: Dict, expected: int) -> None:
        path = osp.join(self.path, spec['file'])
        size = osp.getsize(path) if osp.isfile(path) else None
        if size != expected:
            raise self._fail(f'{spec["file"]} has {size} bytes, the manifest '
                             f'says {expected} (truncated or replaced)')

    def _read_column(self, spec: Dict) -> np.ndarray:
        """A memory-mapped index column (read-only, shared by every
        process on the node through the page cache)."""
        path = osp.join(self.path, spec['file'])
        dtype = np.dtype(spec['dtype'])
        expected = self.num_samples * spec['width'] * dtype.itemsize
        self._check_size(spec, expected)
        shape = ((self.num_samples, spec['width']) if spec['width'] > 1 else
                 (self.num_samples, ))
        if not expected:
            return np.zeros(shape, dtype=dtype)
        return np.asarray(np.memmap(path, dtype=dtype, mode='r', shape=shape))

    def __len__(self) -> int:
        return self.num_samples

    def __getstate__(self) -> Dict:
        state = dict(self.__dict__)
        state['_maps'] = {}  # re-mapped in the receiving process
        state['_cols'] = None
        return state

    def __setstate__(self, state: Dict) -> None:
        self.__dict__.update(state)
        self._cols = {
            name: self._read_column(spec)
            for name, spec in self.manifest['columns'].items()
        }

    # ----------------------------------------------------------- columns
    def column(self, name: str) -> np.ndarray:
        """A raw index column (e.g. ``'label'``, ``'keypoint.shape'``,
        ``'ntu.subject'``)."""
        if name not in self._cols:
            raise KeyError(f'{self.path} has no column {name!r}; it has '
                           f'{sorted(self._cols)}')
        return self._cols[name]

    @property
    def labels(self) -> np.ndarray:
        """int64 label of every sample."""
        return self._cols['label']

    @property
    def num_person(self) -> np.ndarray:
        """Persons ``M`` of every sample's keypoints."""
        return self._cols['keypoint.shape'][:, 0]

    @property
    def num_frames(self) -> np.ndarray:
        """Frames ``T`` of every sample's keypoints."""
        return self._cols['keypoint.shape'][:, 1]

    @property
    def split_names(self) -> List[str]:
        """Names of the stored splits."""
        return sorted(self.manifest['splits'])

    def split_rows(self, split: str) -> np.ndarray:
        """Rows of a split, ascending (the source's annotation order)."""
        if split not in self.manifest['splits']:
            raise StoreError(
                f'split {split!r} is not in skeleton store {self.path}; it '
                f'has {self.split_names}. Set `split=` to one of them.')
        return np.fromfile(osp.join(self.path, self.manifest['splits'][split]),
                           dtype=np.int64)

    def strings(self, key: str,
                rows: Optional[Sequence[int]] = None) -> List[str]:
        """The values of string field ``key`` (of ``rows``; all if None).

        Nothing is cached: a worker that reads one sample at a time does not
        build a list of every name.
        """
        ends = self._cols[f'{key}.end']
        rows = np.arange(self.num_samples) if rows is None else np.asarray(
            rows, dtype=np.int64)
        starts = np.where(rows > 0, ends[rows - 1], 0).tolist()
        stops = ends[rows].tolist()
        path = osp.join(self.path, self.manifest['strings'][key]['file'])
        if len(rows) * 8 > self.num_samples:  # many: one read of the blob
            with open(path, 'rb') as f:
                blob = f.read()
            return [blob[a:b].decode('utf-8') for a, b in zip(starts, stops)]
        blob = self._map_file(f'string:{key}', path, np.dtype(np.uint8),
                              int(ends[-1]))
        return [bytes(blob[a:b]).decode('utf-8')
                for a, b in zip(starts, stops)]

    def index_dicts(self, rows: Optional[Sequence[int]] = None) -> List[Dict]:
        """The non-array fields of samples, as annotation dicts (plus their
        row under :data:`STORE_ROW_KEY`); no array is read.

        Args:
            rows (Sequence[int], optional): Rows to return. All if None.

        Returns:
            list[dict]: One dict per row.
        """
        rows = np.arange(self.num_samples) if rows is None else np.asarray(
            rows, dtype=np.int64)
        values: Dict[str, List] = {}
        for key, spec in self.fields.items():
            kind = spec['kind']
            if kind == 'array':
                continue
            if kind == 'str':
                values[key] = self.strings(key, rows)
                continue
            col = self._cols[key][rows]
            if kind == 'tuple':
                maker = tuple if spec['container'] == 'tuple' else list
                values[key] = [maker(v) for v in col.tolist()]
            elif spec['type'] in ('int', 'float', 'bool'):
                values[key] = (col.astype(bool) if kind == 'bool' else
                               col).tolist()
            else:
                scalar = (np.bool_ if spec['type'] == 'np.bool_' else
                          np.dtype(spec['type']).type)
                values[key] = [scalar(v) for v in col.tolist()]
        keys = list(values) + [STORE_ROW_KEY]
        columns = [values[k] for k in keys[:-1]] + [rows.tolist()]
        return [dict(zip(keys, vals)) for vals in zip(*columns)]

    # ------------------------------------------------------------ arrays
    def _map_file(self, name: str, path: str, dtype: np.dtype,
                  count: int) -> np.ndarray:
        data = self._maps.get(name)
        if data is None:  # a plain ndarray view: cheaper to slice
            data = (np.asarray(
                np.memmap(path, dtype=dtype, mode='r', shape=(count, )))
                    if count else np.zeros(0, dtype=dtype))
            self._maps[name] = data
        return data

    def _array_map(self, key: str) -> np.ndarray:
        spec = self.manifest['arrays'][key]
        dtype = np.dtype(self.fields[key]['dtype'])
        return self._map_file(key, osp.join(self.path, spec['file']), dtype,
                              spec['bytes'] // dtype.itemsize)

    def arrays(self, row: int) -> Dict[str, np.ndarray]:
        """The arrays of one sample (fresh, writable copies in the dtype the
        source had).

        Args:
            row (int): The store row.

        Returns:
            dict: ``{'keypoint': ..., 'keypoint_score': ..., ...}``.
        """
        out = {}
        for key, shapes, ndim, offsets, data, dtype in self._array_readers():
            shape = tuple(shapes[row * ndim:(row + 1) * ndim])
            start = offsets[row]
            flat = data[start:start + math.prod(shape)]
            out[key] = flat.astype(dtype).reshape(shape)  # always a copy
        return out

    def _array_readers(self) -> List[Tuple]:
        """Per array field: shapes, offsets, the data map, the read dtype
        (made once per process: the per-sample path stays short)."""
        readers = self._maps.get('readers')
        if readers is None:
            readers = self._maps['readers'] = [
                (key, _flat_view(self._cols[f'{key}.shape']), spec['ndim'],
                 _flat_view(self._cols[f'{key}.offset']),
                 self._array_map(key), np.dtype(spec['read_dtype']))
                for key, spec in self.fields.items() if spec['kind'] == 'array'
            ]
        return readers

    def row_fields(self, row: int) -> Dict:
        """The non-array fields of one sample (the fast path of
        :meth:`index_dicts` for a single row)."""
        out = {}
        for key, kind, col, make, width in self._field_readers():
            if kind == 'str':
                out[key] = str(make[col[row - 1] if row else 0:col[row]],
                               'utf-8')
            elif kind == 'tuple':
                out[key] = make(col[row * width:(row + 1) * width].tolist())
            else:
                out[key] = make(col[row])
        return out

    def _field_readers(self) -> List[Tuple]:
        readers = self._maps.get('fields')
        if readers is None:
            readers = []
            for key, spec in self.fields.items():
                kind = spec['kind']
                if kind == 'array':
                    continue
                # memoryviews: indexing one gives a Python number at once
                if kind == 'str':
                    path = osp.join(self.path,
                                    self.manifest['strings'][key]['file'])
                    ends = self._cols[f'{key}.end']
                    blob = self._map_file(f'string:{key}', path,
                                          np.dtype(np.uint8), int(ends[-1]))
                    readers.append((key, kind, _flat_view(ends),
                                    memoryview(blob), 1))
                elif kind == 'tuple':
                    readers.append((key, kind, _flat_view(self._cols[key]),
                                    tuple if spec['container'] == 'tuple'
                                    else list, spec['width']))
                else:
                    typ = spec['type']
                    make = ({'int': int, 'float': float, 'bool': bool}.get(typ)
                            or (np.bool_ if typ == 'np.bool_' else
                                np.dtype(typ).type))
                    readers.append((key, kind, _flat_view(self._cols[key]),
                                    make, 1))
            self._maps['fields'] = readers
        return readers

    def sample(self, row: int) -> Dict:
        """One whole annotation, as the source had it."""
        info = self.row_fields(row)
        info.update(self.arrays(row))
        return info

    def verify_data(self) -> None:
        """Check the sha256 of every array file (reads all of them)."""
        for key, spec in self.manifest['arrays'].items():
            sha = hashlib.sha256()
            with open(osp.join(self.path, spec['file']), 'rb') as f:
                for chunk in iter(lambda: f.read(1 << 22), b''):
                    sha.update(chunk)
            if sha.hexdigest() != spec['sha256']:
                raise self._fail(f'{spec["file"]} does not match its '
                                 'checksum (altered or corrupt)')

    def summary(self) -> str:
        """A few lines describing the store."""
        kp = self.fields['keypoint']
        data = sum(s['bytes'] for s in self.manifest['arrays'].values())
        index = sum(
            osp.getsize(osp.join(self.path, f))
            for f in self.manifest['index_files'])
        splits = ', '.join(f'{n} {len(self.split_rows(n))}'
                           for n in self.split_names) or 'none'
        return (f'{self.path}: {self.num_samples} samples, keypoint '
                f'{np.dtype(kp["dtype"]).name} on disk ({data / 2**20:.1f} '
                f'MiB arrays, {index / 2**20:.2f} MiB index), fields '
                f'{list(self.fields)}; splits: {splits}; '
                f'{len(self.classes) if self.classes else "no"} class names')


# ------------------------------------------------------- dataset support
def checked_store_keypoints(dataset: Any, data_list: List[Dict]) -> List[Dict]:
    """The keypoint validation of a skeleton dataset, on store rows, without
    reading every sample.

    The checks a pickle gets sample by sample (layout, NaN/inf, empty) run
    here on the index: the build recorded each sample's shapes and whether
    its keypoints are all zero or not finite (the checksum guards those
    flags). Only the samples that can fail, i.e. the first of every distinct
    shape signature and every flagged sample, are read and handed with their
    arrays to ``dataset._checked_keypoints``, so the errors, warnings and
    drops are exactly the pickle's.

    Args:
        dataset: A ``LongTailPoseDataset`` reading a store
            (``dataset._store``).
        data_list (list[dict]): Index-only dicts with :data:`STORE_ROW_KEY`.

    Returns:
        list[dict]: The dicts kept, in order.
    """
    store: SkeletonStore = dataset._store
    if not data_list:
        return data_list
    rows = np.array([a[STORE_ROW_KEY] for a in data_list], dtype=np.int64)
    shape = store.column('keypoint.shape')[rows].reshape(len(rows), -1)
    # what the layout checks look at: ndim, (V, C), the score's shape; as
    # one int key per sample (sizes below 2**20)
    key = np.zeros(len(rows), dtype=np.int64)
    for col in shape[:, 2:].T:
        key = (key << 20) + np.minimum(col, (1 << 20) - 1)
    if 'keypoint_score' in store.fields:
        score = store.column('keypoint_score.shape')[rows].reshape(
            len(rows), -1)
        match = (score.shape[1] == 3 and shape.shape[1] == 4) and (
            score == shape[:, :3]).all(axis=1)
        key = (key << 1) + match
    if (key == key[0]).all():  # the usual case: one signature
        first = np.zeros(1, dtype=np.int64)
    else:
        _, first = np.unique(key, return_index=True)
    frames = np.array([int(a.get('total_frames', 1)) for a in data_list])
    flagged = np.flatnonzero(
        store.column('keypoint.nonfinite')[rows].astype(bool)
        | store.column('keypoint.all_zero')[rows].astype(bool)
        | (frames == 0))
    check = np.union1d(first, flagged)
    # one sample that passes, so the pickle check's "every sample was
    # dropped" error fires only when it would on the whole list
    clean = np.ones(len(rows), dtype=bool)
    clean[flagged] = False
    check = np.union1d(check, np.flatnonzero(clean)[:1])
    subset = [dict(data_list[i], **store.arrays(rows[i])) for i in check]
    kept = {id(a) for a in dataset._checked_keypoints(subset)}
    dropped = {int(i) for i, a in zip(check, subset) if id(a) not in kept}
    if not dropped:
        return data_list
    return [a for i, a in enumerate(data_list) if i not in dropped]


class StoreBackedDatasetMixin:
    """What a skeleton dataset needs to read a :class:`SkeletonStore`
    (``LongTailPoseDataset`` mixes it in; it sets ``self._store``).

    * :meth:`_load_store_index`: index-only dicts of the split (no array is
      read);
    * :meth:`_serialize_data`: mmengine keeps one pickle per sample in
      ``data_bytes``; from a store that pickle is just ``{'_store_row': r}``
      (25 bytes, written for all samples at once), shared by forked workers;
    * :meth:`get_data_info`: the sample's fields from the index and its
      arrays sliced from the memory map, at fetch time.
    """

    _store: Optional[SkeletonStore] = None

    def _load_store_index(self) -> Tuple[List[Dict], int, Optional[List]]:
        """Index-only dicts of the split, ``num_classes`` and class names
        of the store at ``self.ann_file``."""
        self._store = store = SkeletonStore(self.ann_file)
        annotations = store.index_dicts()
        # label types need no check: the build stores only int labels
        self._raise_first(
            check_duplicate_ids(annotations, self.ann_file, 'filename'
                                if 'filename' in annotations[0] else
                                'frame_dir') +
            check_split_name(self.split, dict.fromkeys(store.split_names),
                             self.ann_file))
        num_classes = self._resolve_num_classes(annotations, store.classes)
        if self.split is not None:
            annotations = [annotations[r]
                           for r in store.split_rows(self.split).tolist()]
        return annotations, num_classes, store.classes

    def _serialize_data(self) -> Tuple[np.ndarray, np.ndarray]:
        if self._store is None:
            return super()._serialize_data()
        stored = set(k for k, v in self._store.fields.items()
                     if v['kind'] != 'array') | {STORE_ROW_KEY}
        if any(a.keys() != stored for a in self.data_list):
            # something added fields to the dicts: keep them as mmengine does
            return super()._serialize_data()
        rows = np.array([a[STORE_ROW_KEY] for a in self.data_list],
                        dtype='<i4')
        self.data_list.clear()
        # pickle protocol 2 of {STORE_ROW_KEY: row}, the row as BININT (J)
        head = b'\x80\x02}X' + len(STORE_ROW_KEY).to_bytes(4, 'little') + \
            STORE_ROW_KEY.encode() + b'J'
        tail = b's.'
        size = len(head) + 4 + len(tail)
        data = np.empty((len(rows), size), dtype=np.uint8)
        data[:, :len(head)] = np.frombuffer(head, np.uint8)
        data[:, len(head):len(head) + 4] = rows.view(np.uint8).reshape(-1, 4)
        data[:, len(head) + 4:] = np.frombuffer(tail, np.uint8)
        return data.reshape(-1), size * np.arange(
            1, len(rows) + 1, dtype=np.int64)

    def _store_info(self, idx: int, arrays: bool) -> Dict:
        info = super().get_data_info(idx)
        row = info.pop(STORE_ROW_KEY)
        if 'label' not in info:  # serialized as the row only
            info = {**self._store.row_fields(row), **info}
        if arrays:
            info.update(self._store.arrays(row))
        return info

    def _index_info(self, idx: int) -> Dict:
        """``get_data_info`` without the arrays of a store sample."""
        if self._store is None:
            return self.get_data_info(idx)
        return self._store_info(idx, arrays=False)

    def get_data_info(self, idx: int) -> Dict:
        """The annotation of sample ``idx``; from a store, its keypoints
        are read from the memory map now."""
        if self._store is None:
            return super().get_data_info(idx)
        return self._store_info(idx, arrays=True)
