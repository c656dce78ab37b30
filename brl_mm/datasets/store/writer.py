"""Writing a skeleton store: streaming, sample by sample, into a hidden
sibling directory renamed into place after the manifest."""
import array
import contextlib
import hashlib
import json
import os
import os.path as osp
import re
import shutil
import tempfile
from typing import (Any, BinaryIO, Dict, Iterable, List, Optional, Sequence,
                    Tuple)

import numpy as np

from ...utils import atomic_write
from .format import (_MANIFEST, _NTU_NAME, _NTU_PARTS, COORD_ARRAYS,
                     STORE_FORMAT, STORE_ROW_KEY, STORE_VERSION, StoreError,
                     _index_digest)


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


