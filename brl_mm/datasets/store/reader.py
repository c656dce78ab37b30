"""Reading a skeleton store: every file memory-mapped read-only, the
manifest's version, sizes and index checksum checked on open."""
import hashlib
import json
import math
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .format import (_BUILD_HINT, _MANIFEST, STORE_FORMAT, STORE_ROW_KEY,
                     STORE_VERSION, StoreError, _flat_view, _index_digest)


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


