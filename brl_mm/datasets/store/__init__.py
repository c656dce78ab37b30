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
from .dataset import StoreBackedDatasetMixin, checked_store_keypoints
from .format import (STORE_FORMAT, STORE_ROW_KEY, STORE_VERSION, StoreError,
                     is_skeleton_store)
from .reader import SkeletonStore
from .writer import SkeletonStoreWriter, write_skeleton_store

__all__ = [
    'STORE_FORMAT', 'STORE_VERSION', 'STORE_ROW_KEY', 'SkeletonStore',
    'SkeletonStoreWriter', 'StoreError', 'is_skeleton_store',
    'write_skeleton_store', 'StoreBackedDatasetMixin',
    'checked_store_keypoints'
]
