"""What :class:`~brl_mm.datasets.LongTailPoseDataset` needs to read a
store: the small index rows in ``data_list`` and keypoints sliced from the
memory map when a sample is fetched."""
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from ..validation import check_duplicate_ids, check_split_name
from .format import STORE_ROW_KEY
from .reader import SkeletonStore


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
