"""``PreNormalize3D`` vectorized and cached (the stock pipeline's hot spot).

mmaction2's ``PreNormalize3D`` finds the non-empty frames with a Python loop
of one ``np.isclose`` per frame and person, most of a skeleton sample's CPU
time. Its output depends only on the sample's keypoints and the transform's
arguments, so :class:`CachedPreNormalize3D`

* computes it with the same numpy operations on the same values, the frame
  test vectorized over all frames (bit-identical output, pinned by
  ``tests/fast/test_fast_transforms.py``), and
* keeps the result in a per-process memory cache (LRU, bounded in MB) and,
  optionally, in an on-disk cache shared by workers, runs and streams.

Cache entries are keyed by a BLAKE2 hash of the sample id, the raw keypoint
bytes, dtype and shape, ``total_frames``, the transform's arguments, the
mmaction2 version and a format version: changing the source data or an
argument changes the key, so a stale entry is never served (old files are
simply not read again; delete the directory to reclaim space). Files are
written atomically (temporary file + ``os.replace``), so concurrent workers
and interrupted runs never leave a half-written entry under a valid name; an
unreadable entry is recomputed and rewritten.
"""
import hashlib
import os.path as osp
import warnings
from collections import OrderedDict
from typing import Dict, Iterable, List, Optional, Tuple

import mmaction
import numpy as np
from mmaction.datasets.transforms import PreNormalize3D
from mmaction.registry import TRANSFORMS

from ..utils.atomic_io import atomic_write

__all__ = ['CachedPreNormalize3D', 'nonempty_frames']

#: Bump when the stored layout or the computation changes.
CACHE_FORMAT = 1


def nonempty_frames(person: np.ndarray) -> np.ndarray:
    """Indices of the frames of one person that are not all (close to) zero.

    Vectorized form of ``PreNormalize3D``'s
    ``[i for i in range(T) if not np.all(np.isclose(person[i], 0))]``.

    Args:
        person (np.ndarray): ``(T, V, C)`` keypoints of one person.

    Returns:
        np.ndarray: int64 frame indices, ascending.
    """
    empty = np.isclose(person, 0).reshape(person.shape[0], -1).all(axis=1)
    return np.flatnonzero(~empty)


@TRANSFORMS.register_module()
class CachedPreNormalize3D(PreNormalize3D):
    """mmaction2's ``PreNormalize3D``, vectorized, with a per-sample cache.

    Drop-in replacement: same arguments, same ``keypoint`` (float64),
    ``total_frames`` and ``body_center`` outputs, bit for bit.

    Required Keys:

        - keypoint
        - total_frames (optional)
        - frame_dir (optional, part of the cache key)

    Modified Keys:

        - keypoint
        - total_frames

    Added Keys:

        - body_center

    Args:
        zaxis (list[int]): Joints whose vector becomes the Z axis.
            Defaults to ``[0, 1]``.
        xaxis (list[int]): Joints whose vector becomes the X axis.
            Defaults to ``[8, 4]``.
        align_spine (bool): Rotate the spine onto Z. Defaults to True.
        align_shoulder (bool): Rotate the shoulders onto X. Defaults to True.
        align_center (bool): Centre on the body centre. Defaults to True.
        cache_dir (str, optional): Directory of the on-disk cache (created
            when needed; safe to share between workers, runs and streams).
            Defaults to None: memory cache only.
        memory_cache_mb (float): Budget of the per-process memory cache in
            MB (least recently used entries are dropped); 0 disables it.
            Defaults to 256.
    """

    def __init__(self,
                 zaxis: List[int] = [0, 1],
                 xaxis: List[int] = [8, 4],
                 align_spine: bool = True,
                 align_shoulder: bool = True,
                 align_center: bool = True,
                 cache_dir: Optional[str] = None,
                 memory_cache_mb: float = 256) -> None:
        super().__init__(
            zaxis=list(zaxis),
            xaxis=list(xaxis),
            align_spine=align_spine,
            align_shoulder=align_shoulder,
            align_center=align_center)
        if memory_cache_mb < 0:
            raise ValueError(
                f'memory_cache_mb must be >= 0, got {memory_cache_mb!r}')
        self.cache_dir = (osp.abspath(osp.expanduser(cache_dir))
                          if cache_dir else None)
        self.memory_cache_mb = memory_cache_mb
        self._budget = int(memory_cache_mb * 2**20)
        self._memory: 'OrderedDict[str, Tuple]' = OrderedDict()
        self._memory_bytes = 0
        self._disk_ok = True
        #: Per-process counters: memory hits, disk hits, computed samples.
        self.stats = dict(memory=0, disk=0, computed=0)
        self._salt = repr(
            (CACHE_FORMAT, mmaction.__version__, self.zaxis, self.xaxis,
             self.align_spine, self.align_shoulder,
             self.align_center)).encode()

    # ------------------------------------------------------------ compute
    def normalize(self, results: Dict) -> Dict:
        """``PreNormalize3D.transform`` with the frame test vectorized."""
        skeleton = results['keypoint']
        total_frames = results.get('total_frames', skeleton.shape[1])
        sample = results.get('frame_dir', '?')
        if skeleton.ndim != 4 or skeleton.shape[0] not in (1, 2):
            raise ValueError(
                f'CachedPreNormalize3D: sample {sample}: keypoint must be '
                f'(M, T, V, C) with M = 1 or 2 persons, got shape '
                f'{skeleton.shape}; check the annotation file.')
        if skeleton.shape[-1] != 3:
            raise ValueError(
                f'CachedPreNormalize3D: sample {sample}: expects 3D keypoints '
                f'(C = 3), got shape {skeleton.shape}; use PreNormalize2D for '
                '2D skeletons.')
        if skeleton.shape[1] != total_frames:
            raise ValueError(
                f'CachedPreNormalize3D: sample {sample}: total_frames = '
                f'{total_frames} but keypoint has {skeleton.shape[1]} frames; '
                'fix total_frames in the annotation file.')
        if skeleton.sum() == 0:
            return results

        index0 = nonempty_frames(skeleton[0])
        if skeleton.shape[0] == 2:
            index1 = nonempty_frames(skeleton[1])
            if len(index0) < len(index1):
                skeleton = skeleton[:, index1]
                skeleton = skeleton[[1, 0]]
            else:
                skeleton = skeleton[:, index0]
        else:
            skeleton = skeleton[:, index0]
        if skeleton.shape[1] == 0:
            raise ValueError(
                f'CachedPreNormalize3D: sample {sample}: the first person '
                'has no non-zero frame; drop the sample from the annotation '
                'file.')

        # from here on the same operations as mmaction's PreNormalize3D
        if self.align_center:
            if skeleton.shape[2] == 25:
                main_body_center = skeleton[0, 0, 1].copy()
            else:
                main_body_center = skeleton[0, 0, -1].copy()
            mask = ((skeleton != 0).sum(-1) > 0)[..., None]
            skeleton = (skeleton - main_body_center) * mask

        if self.align_spine:
            joint_bottom = skeleton[0, 0, self.zaxis[0]]
            joint_top = skeleton[0, 0, self.zaxis[1]]
            axis = np.cross(joint_top - joint_bottom, [0, 0, 1])
            angle = self.angle_between(joint_top - joint_bottom, [0, 0, 1])
            matrix_z = self.rotation_matrix(axis, angle)
            skeleton = np.einsum('abcd,kd->abck', skeleton, matrix_z)

        if self.align_shoulder:
            joint_rshoulder = skeleton[0, 0, self.xaxis[0]]
            joint_lshoulder = skeleton[0, 0, self.xaxis[1]]
            axis = np.cross(joint_rshoulder - joint_lshoulder, [1, 0, 0])
            angle = self.angle_between(joint_rshoulder - joint_lshoulder,
                                       [1, 0, 0])
            matrix_x = self.rotation_matrix(axis, angle)
            skeleton = np.einsum('abcd,kd->abck', skeleton, matrix_x)

        results['keypoint'] = skeleton
        results['total_frames'] = skeleton.shape[1]
        # as stock: body_center is only set when align_center is on
        if self.align_center:
            results['body_center'] = main_body_center
        return results

    # -------------------------------------------------------------- cache
    def cache_key(self, results: Dict) -> str:
        """Hex key of a sample: its id, keypoints and this transform."""
        keypoint = np.ascontiguousarray(results['keypoint'])
        digest = hashlib.blake2b(self._salt, digest_size=20)
        digest.update(repr((str(results.get('frame_dir', '')),
                            keypoint.dtype.str, keypoint.shape,
                            results.get('total_frames'))).encode())
        digest.update(memoryview(keypoint).cast('B'))
        return digest.hexdigest()

    def transform(self, results: Dict) -> Dict:
        """Normalize ``results['keypoint']`` (from the cache when possible).

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        if not self._budget and self.cache_dir is None:
            self.stats['computed'] += 1
            return self.normalize(results)
        keypoint, body_center = self._lookup(results)
        # copies: later transforms own their arrays, the cache stays intact
        results['keypoint'] = keypoint.copy()
        results['total_frames'] = keypoint.shape[1]
        if body_center is not None:
            results['body_center'] = body_center.copy()
        return results

    def _lookup(self, results: Dict, key: Optional[str] = None) -> Tuple:
        """The cache entry of a sample: memory, else disk, else computed
        (and then stored in both)."""
        key = key or self.cache_key(results)
        entry = self._memory.get(key)
        if entry is not None:
            self._memory.move_to_end(key)
            self.stats['memory'] += 1
            return entry
        entry = self._read_disk(key)
        if entry is not None:
            self.stats['disk'] += 1
        else:
            entry = self._compute_entry(results)
            self.stats['computed'] += 1
            self._write_disk(key, entry)
        self._remember(key, entry)
        return entry

    def precompute(self, samples: Iterable[Dict]) -> Dict[str, int]:
        """Fill the caches for raw samples without transforming them.

        Run in the main process before a ``DataLoader`` forks its workers
        (what :class:`~brl_mm.engine.WarmNormalizeCacheHook` does), the
        memory cache is inherited by every worker of every epoch, so no
        worker computes a sample that was precomputed.

        Args:
            samples (Iterable[dict]): Raw result dicts (the dataset's
                ``get_data_info(i)``; they are not modified).

        Returns:
            dict: ``samples`` (seen), ``unique`` (distinct cache keys among
            them; 0 when the transform caches nothing), ``held`` (of those,
            in the memory cache afterwards), ``total_bytes`` (the size of
            all their entries), ``memory_bytes`` (the memory cache's size),
            and the ``memory`` / ``disk`` / ``computed`` sources of the
            entries.
        """
        before = dict(self.stats)
        caching = bool(self._budget) or self.cache_dir is not None
        keys = set()
        num_samples = total_bytes = 0
        for results in samples:
            num_samples += 1
            if caching:  # without a cache there is nothing to fill
                key = self.cache_key(results)
                entry = self._lookup(results, key)
                if key not in keys:
                    keys.add(key)
                    total_bytes += entry[0].nbytes
        report = {k: self.stats[k] - before[k] for k in self.stats}
        report.update(
            samples=num_samples,
            unique=len(keys),
            held=sum(key in self._memory for key in keys),
            total_bytes=total_bytes,
            memory_bytes=self._memory_bytes)
        return report

    def resize_memory_cache(self, memory_cache_mb: float) -> None:
        """Change the memory cache budget (dropping the least recently used
        entries when it shrinks).

        Args:
            memory_cache_mb (float): New budget in MB; 0 empties the cache.
        """
        if memory_cache_mb < 0:
            raise ValueError(
                f'memory_cache_mb must be >= 0, got {memory_cache_mb!r}')
        self.memory_cache_mb = memory_cache_mb
        self._budget = int(memory_cache_mb * 2**20)
        self._evict()

    def _compute_entry(self, results: Dict) -> Tuple:
        out = self.normalize(dict(results))
        return out['keypoint'], out.get('body_center')

    def _remember(self, key: str, entry: Tuple) -> None:
        size = entry[0].nbytes
        if size > self._budget:
            return
        self._memory[key] = entry
        self._memory_bytes += size
        self._evict()

    def _evict(self) -> None:
        while self._memory_bytes > self._budget:
            _, (old, _) = self._memory.popitem(last=False)
            self._memory_bytes -= old.nbytes

    def _path(self, key: str) -> str:
        return osp.join(self.cache_dir, key[:2], key + '.npy')

    def _read_disk(self, key: str) -> Optional[Tuple]:
        if self.cache_dir is None or not self._disk_ok:
            return None
        path = self._path(key)
        try:
            with open(path, 'rb') as f:
                keypoint = np.load(f, allow_pickle=False)
                center = np.load(f, allow_pickle=False)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except (OSError, ValueError, EOFError) as error:
            warnings.warn(f'CachedPreNormalize3D: unreadable cache entry '
                          f'{path} ({error}); recomputing it.')
            return None
        return keypoint, (center if center.size else None)

    def _write_disk(self, key: str, entry: Tuple) -> None:
        if self.cache_dir is None or not self._disk_ok:
            return
        keypoint, center = entry
        path = self._path(key)
        try:
            # a cache: atomic (never read half-written) but not fsync-ed
            with atomic_write(path, 'wb', fsync=False) as f:
                np.save(f, keypoint, allow_pickle=False)
                np.save(
                    f,
                    np.empty(0) if center is None else center,
                    allow_pickle=False)
        except OSError as error:
            self._disk_ok = False
            warnings.warn(
                f'CachedPreNormalize3D: cannot write the cache in '
                f'{self.cache_dir} ({error}); continuing with the memory '
                'cache only. Set cache_dir to a writable directory.')

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(zaxis={self.zaxis}, '
                f'xaxis={self.xaxis}, align_center={self.align_center}, '
                f'align_spine={self.align_spine}, '
                f'align_shoulder={self.align_shoulder}, '
                f'cache_dir={self.cache_dir!r}, '
                f'memory_cache_mb={self.memory_cache_mb})')
