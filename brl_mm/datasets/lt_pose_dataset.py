"""Long-tailed skeleton dataset: mmaction's ``PoseDataset`` plus LT subsets,
class counts and input validation."""
import logging
import os
import os.path as osp
import pickle
from typing import Callable, Dict, List, Optional, Sequence, Union

import numpy as np
from mmaction.datasets import PoseDataset
from mmaction.registry import DATASETS
from mmengine.logging import print_log

from ..layouts import get_layout
from .class_names import benchmark_class_names
from .long_tail import counts_from_labels, lt_class_counts, select_lt_subset
from .store import (SkeletonStore, StoreBackedDatasetMixin,
                    checked_store_keypoints)
from .validation import (check_class_coverage,
                         check_duplicate_ids, check_keypoints,
                         check_label_range, check_label_types,
                         check_num_classes, check_split_name,
                         unpack_annotations)

_BAD_SAMPLE_OPTIONS = ('error', 'drop')

#: Folder of the official NTU-LT sample lists shipped with the package.
LT_SPLIT_DIR = osp.join(osp.dirname(osp.dirname(__file__)), 'data', 'lt_splits')

_GET_DATA_HINT = (
    'For the real benchmark, download the pre-processed NTU RGB+D skeleton '
    'pickle as described in mmaction2\'s tools/data/skeleton/README.md and '
    'save it at that path (or point `ann_file` at your copy). To try the '
    'package without a download, generate the embedded synthetic data: '
    '`python tools/data/generate_synthetic_lt.py --out {path}` and train with '
    'configs/brl/synthetic_lt.py.')


def packaged_lt_splits() -> List[str]:
    """Names of the NTU-LT sample lists shipped with brl_mm."""
    return sorted(
        f[:-len('.txt')] for f in os.listdir(LT_SPLIT_DIR) if f.endswith('.txt'))


def resolve_lt_split_file(name: str) -> str:
    """Find an LT sample list by path or by packaged name.

    Args:
        name (str): A path to a text file with one ``frame_dir`` per line, or
            the name of a packaged list such as ``'NTU60_xsub_exp_100'``
            (``.txt`` optional).

    Returns:
        str: The path of the list file.
    """
    if osp.isfile(name):
        return name
    base = osp.basename(name)
    base = base if base.endswith('.txt') else base + '.txt'
    packaged = osp.join(LT_SPLIT_DIR, base)
    if osp.dirname(name) == '' and osp.isfile(packaged):
        return packaged
    raise FileNotFoundError(
        f'long-tail sample list {name!r} not found. Give a path to a text '
        'file with one frame_dir per line, or one of the lists shipped with '
        f'brl_mm: {packaged_lt_splits()}')


def read_lt_split_file(path: str) -> List[str]:
    """Read a sample list (one ``frame_dir`` per line, blank lines ignored)."""
    with open(path, encoding='utf-8') as f:
        ids = [line.strip() for line in f if line.strip()]
    if not ids:
        raise ValueError(f'long-tail sample list {path} is empty')
    return ids


def load_skeleton_pickle(path: str) -> Union[Dict, List]:
    """Load an mmaction skeleton annotation pickle with clear errors.

    Args:
        path (str): Path of the ``.pkl`` file.

    Returns:
        dict | list: The unpickled annotations.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'skeleton annotation file {path} not found. ' +
            _GET_DATA_HINT.format(path=path))
    try:
        with open(path, 'rb') as f:
            return pickle.load(f)
    except Exception as e:  # any unpickling failure means a broken file
        raise ValueError(
            f'skeleton annotation file {path} could not be read '
            f'({type(e).__name__}: {e}). The file is corrupt or truncated '
            '(an interrupted download or copy?): download or generate it '
            'again.') from e


@DATASETS.register_module()
class LongTailPoseDataset(StoreBackedDatasetMixin, PoseDataset):
    """Skeleton dataset with long-tailed training subsets and class counts.

    It reads the same pickles as mmaction's ``PoseDataset``
    (``dict(split=..., annotations=[...])``) and adds:

    * a long-tailed subset of the split, either from a sample list
      (``lt_split_file``, e.g. the official NTU-LT lists shipped with the
      package) or built on the fly from ``imbalance_factor`` and ``n_max``
      with BRL's profile ``n_c = int(n_max * IF ** (-c / (C - 1)))``
      (deterministic for ``lt_seed``);
    * per-class counts in ``metainfo['class_counts']`` and ``get_cat_ids``,
      which the long-tail components read;
    * validation of labels, keypoint shapes (joint count and coordinate
      dimension of the layout, ``keypoint_score`` of 2D layouts), NaN/inf
      and empty samples, with errors that name the file, the sample and the
      fix.

    Args:
        ann_file (str, optional): Path of the annotation pickle. Give it or
            ``store``.
        pipeline (list[dict | callable]): Data transforms.
        split (str, optional): Split name in the pickle, e.g.
            ``'xsub_train'``. ``None`` uses every annotation.
        num_classes (int, optional): Number of classes ``K``. Defaults to the
            length of the pickle's ``classes`` entry, else ``max(label) + 1``
            of the whole pickle.
        layout (str, optional): Skeleton layout (see
            :mod:`brl_mm.layouts`); keypoints with another joint
            count are rejected. ``None`` skips the check. Defaults to
            ``'nturgb+d'``.
        lt_split_file (str, optional): Sample list of the long-tailed subset:
            a path, or the name of a packaged list such as
            ``'NTU60_xsub_exp_100'``.
        imbalance_factor (float, optional): Build the long-tailed subset on
            the fly with this ``IF`` (needs ``n_max``).
        n_max (int, optional): Samples of the head class for the on-the-fly
            subset.
        lt_seed (int): Seed of the on-the-fly subset. Defaults to 0.
        allow_empty_classes (bool): Accept classes with no sample. Defaults to
            ``False`` for training sets and is always allowed in
            ``test_mode`` (a test set may lack a class).
        nonfinite (str): Samples with NaN/inf keypoints: ``'error'`` (the
            default) raises naming them, ``'drop'`` removes them with a
            warning that gives their count and ids.
        empty_samples (str): Samples with no frames or only zero keypoints:
            ``'error'`` (the default) or ``'drop'``, as ``nonfinite``.
        store (str, optional): A skeleton store directory
            (:mod:`brl_mm.datasets.store`, made by
            ``tools/data/build_store.py``) to read instead of ``ann_file``:
            the same samples, splits and checks, with the keypoints
            memory-mapped and read per sample.
        **kwargs: Passed to ``PoseDataset`` (``test_mode``, ``indices``, ...).
    """

    def __init__(self,
                 ann_file: Optional[str] = None,
                 pipeline: Sequence[Union[Dict, Callable]] = (),
                 split: Optional[str] = None,
                 num_classes: Optional[int] = None,
                 layout: Optional[str] = 'nturgb+d',
                 lt_split_file: Optional[str] = None,
                 imbalance_factor: Optional[float] = None,
                 n_max: Optional[int] = None,
                 lt_seed: int = 0,
                 allow_empty_classes: bool = False,
                 nonfinite: str = 'error',
                 empty_samples: str = 'error',
                 store: Optional[str] = None,
                 **kwargs) -> None:
        if (ann_file is None) == (store is None):
            raise ValueError(
                'give the data as ann_file (a skeleton pickle) or store (a '
                f'skeleton store directory), not {"both" if store else "none"}'
                ' (a config that reads a store sets ann_file=None)')
        self.store = store
        self._store: Optional[SkeletonStore] = None
        for name, value in (('nonfinite', nonfinite),
                            ('empty_samples', empty_samples)):
            if value not in _BAD_SAMPLE_OPTIONS:
                raise ValueError(f'{name} must be one of '
                                 f'{_BAD_SAMPLE_OPTIONS}, got {value!r}')
        self.nonfinite = nonfinite
        self.empty_samples = empty_samples
        if lt_split_file is not None and imbalance_factor is not None:
            raise ValueError(
                'give either lt_split_file (a fixed sample list) or '
                'imbalance_factor + n_max (an on-the-fly subset), not both')
        if (imbalance_factor is None) != (n_max is None):
            raise ValueError('imbalance_factor and n_max go together: set '
                             'both to build a long-tailed subset on the fly')
        self.layout = get_layout(layout) if layout is not None else None
        self.lt_split_file = (
            resolve_lt_split_file(lt_split_file)
            if lt_split_file is not None else None)
        self.imbalance_factor = imbalance_factor
        self.n_max = n_max
        self.lt_seed = lt_seed
        self.allow_empty_classes = allow_empty_classes
        self._num_classes_arg = num_classes
        self._labels = np.zeros(0, dtype=np.int64)
        super().__init__(
            store or ann_file, pipeline=list(pipeline), split=split,
            num_classes=num_classes, **kwargs)

    # ------------------------------------------------------------ loading
    def load_data_list(self) -> List[Dict]:
        """Load, select and validate the annotations of this split."""
        if self.store is not None:  # ann_file is the store (with data_root)
            return self._finish_data_list(*self._load_store_index())
        raw = load_skeleton_pickle(self.ann_file)
        annotations, splits, classes, problems = unpack_annotations(
            raw, self.ann_file)
        self._raise_first(problems)
        self._raise_first(
            check_label_types(annotations, self.ann_file) +
            check_duplicate_ids(annotations, self.ann_file, 'filename'
                                if 'filename' in annotations[0] else
                                'frame_dir') +
            check_split_name(self.split, splits, self.ann_file,
                             is_list=not isinstance(raw, dict)))

        num_classes = self._resolve_num_classes(annotations, classes)
        data_list = self._select_split(annotations, splits)
        return self._finish_data_list(data_list, num_classes, classes)

    def _finish_data_list(self, data_list: List[Dict], num_classes: int,
                          classes: Optional[Sequence]) -> List[Dict]:
        data_list = self._select_long_tail(data_list, num_classes)
        data_list = self._validate(data_list, num_classes)

        self.num_classes = num_classes
        self._metainfo['num_classes'] = num_classes
        if classes is None:  # the benchmark's packaged names, if any
            classes = benchmark_class_names(
                self.layout.name if self.layout else None, num_classes)
        if classes is not None:
            self._metainfo['classes'] = tuple(classes)
        if self.layout is not None:
            self._metainfo['layout'] = self.layout.name
        return data_list

    def _resolve_num_classes(self, annotations: Sequence[Dict],
                             classes: Optional[Sequence]) -> int:
        if self._num_classes_arg is not None:
            self._raise_first(check_num_classes(self._num_classes_arg,
                                                classes, self.ann_file))
            return int(self._num_classes_arg)
        if classes is not None:
            return len(classes)
        return int(max(int(a['label']) for a in annotations)) + 1

    def _select_split(self, annotations: List[Dict],
                      splits: Dict) -> List[Dict]:
        if self.split is None:
            return list(annotations)
        identifier = 'filename' if 'filename' in annotations[0] else 'frame_dir'
        wanted = set(splits[self.split])
        return [a for a in annotations if a[identifier] in wanted]

    def _select_long_tail(self, data_list: List[Dict],
                          num_classes: int) -> List[Dict]:
        if self.lt_split_file is not None:
            ids = read_lt_split_file(self.lt_split_file)
            by_id = {a['frame_dir']: a for a in data_list}
            missing = [i for i in ids if i not in by_id]
            if missing:
                where = (f'split {self.split!r} of {self.ann_file}'
                         if self.split else self.ann_file)
                raise ValueError(
                    f'{len(missing)} of {len(ids)} ids of the long-tail list '
                    f'{self.lt_split_file} are not in {where} (first: '
                    f'{missing[:3]}). The list and the pickle do not match: '
                    'use the list made for this dataset and split (e.g. '
                    'NTU60_xsub_* with xsub_train of the NTU60 pickle).')
            return [by_id[i] for i in ids]
        if self.imbalance_factor is not None:
            labels = self._checked_labels(data_list, num_classes)
            counts = lt_class_counts(num_classes, self.n_max,
                                     self.imbalance_factor)
            try:
                keep = select_lt_subset(labels, counts, seed=self.lt_seed)
            except ValueError as e:
                raise ValueError(f'{self.ann_file} split {self.split!r}: {e}'
                                 ) from None
            return [data_list[i] for i in keep]
        return data_list

    def _checked_labels(self, data_list: List[Dict],
                        num_classes: int) -> np.ndarray:
        labels = np.array([int(a['label']) for a in data_list],
                          dtype=np.int64)
        self._raise_first(check_label_range(labels, data_list, num_classes,
                                            self.ann_file))
        return labels

    def _validate(self, data_list: List[Dict],
                  num_classes: int) -> List[Dict]:
        """Check labels and keypoints; return the samples kept (bad ones
        dropped where ``nonfinite`` / ``empty_samples`` say ``'drop'``)."""
        self._checked_labels(data_list, num_classes)
        data_list = (checked_store_keypoints(self, data_list)
                     if self._store is not None else
                     self._checked_keypoints(data_list))
        labels = np.array([int(a['label']) for a in data_list],
                          dtype=np.int64)
        counts = counts_from_labels(labels, num_classes)
        if not (self.test_mode or self.allow_empty_classes):
            self._raise_first(check_class_coverage(counts, self.ann_file,
                                                   self.split))
        self._labels = labels
        return data_list

    @staticmethod
    def _raise_first(problems) -> None:
        """Raise the first problem of a :mod:`.validation` check."""
        if problems:
            raise ValueError(problems[0].message)

    def _checked_keypoints(self, data_list: List[Dict]) -> List[Dict]:
        """Per-sample numpy checks (no loop over frames or joints)."""
        problems = check_keypoints(
            data_list, self.ann_file, self.split, self.layout,
            keypoints_elsewhere='skeleton' in self.data_prefix)
        by_code = {p.code: p for p in problems
                   if p.code in ('nonfinite', 'empty')}
        self._raise_first([p for p in problems if p.code not in by_code])
        drop = []
        for code, option, option_name, what in (
                ('nonfinite', self.nonfinite, 'nonfinite',
                 'NaN or infinite keypoints'),
                ('empty', self.empty_samples, 'empty_samples',
                 'no frames or only zero keypoints')):
            if code not in by_code:
                continue
            bad, ids = by_code[code].indices, list(by_code[code].ids)
            if option == 'error':
                raise ValueError(by_code[code].message)
            print_log(
                f'{type(self).__name__}: dropped {len(bad)} sample(s) with '
                f'{what} from {self.ann_file} [{self.split}] '
                f"({option_name}='drop'): {ids[:20]}"
                f'{" ..." if len(ids) > 20 else ""}',
                logger='current',
                level=logging.WARNING)
            drop.extend(bad)
        if drop:
            dropped = set(drop)
            data_list = [
                a for i, a in enumerate(data_list) if i not in dropped
            ]
            if not data_list:
                raise ValueError(
                    f'{self.ann_file} split {self.split!r}: every sample '
                    'was dropped as invalid; fix the pickle.')
        return data_list

    def filter_data(self) -> List[Dict]:
        """mmaction's filtering (K400 box thresholds), then relabel."""
        data_list = super().filter_data()
        if len(data_list) != len(self._labels):
            self._labels = np.array([int(a['label']) for a in data_list],
                                    dtype=np.int64)
        return data_list

    def full_init(self) -> None:
        """Load the annotations, then record per-class counts."""
        if self._fully_initialized:
            return
        super().full_init()
        if self._indices is not None:
            self._labels = np.array(
                [int(self._index_info(i)['label']) for i in range(len(self))],
                dtype=np.int64)
        counts = counts_from_labels(self._labels, self.num_classes)
        self._metainfo['class_counts'] = counts.tolist()
        source = (f'list {osp.basename(self.lt_split_file)}'
                  if self.lt_split_file else
                  f'IF={self.imbalance_factor}, n_max={self.n_max}'
                  if self.imbalance_factor else 'the whole split')
        print_log(
            f'{type(self).__name__}: {len(self._labels)} samples of '
            f'{self.num_classes} classes from {osp.basename(self.ann_file)}'
            f' [{self.split}] ({source}); per-class counts '
            f'{counts.max()}..{counts.min()}', logger='current')

    # ---------------------------------------------------------- accessors
    @property
    def class_counts(self) -> np.ndarray:
        """Samples per class, shape ``(num_classes,)``."""
        return np.asarray(self.metainfo['class_counts'], dtype=np.int64)

    def get_cat_ids(self, idx: int) -> List[int]:
        """Class id of sample ``idx``, as ``[label]`` (mmengine's class-aware
        samplers and dataset wrappers read it)."""
        if not self._fully_initialized:
            self.full_init()
        return [int(self._labels[idx])]
