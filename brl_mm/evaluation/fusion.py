"""Multi-stream ensembles: weighted sums of per-stream class probabilities.

The functional core of ``tools/ensemble.py`` (spec section 4). Each stream is
a ``tools/test.py --dump`` file of one modality (j, b, k, jm, bm, km);
samples are matched by ``frame_dir`` (keep it with
``PackActionInputs(meta_keys=('frame_dir', ))`` in the test pipeline), never
by position, so dumps written with different batch sizes or numbers of
processes still line up.
"""
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .report import load_dump

__all__ = [
    'ENSEMBLE_PRESETS', 'preset_weights', 'align_streams', 'fuse_scores',
    'check_probabilities', 'softmax', 'load_streams', 'ensemble_weights'
]

#: BRL's ensembles: stream names and weights, in the order the dumps are
#: given (J:B 1:1; J:B:JM:BM 2:2:1:1; J:B:K:JM:BM:KM 2:2:2:1:1:1; Kinetics-400
#: J:B:JM:BM 3:3:1:1).
ENSEMBLE_PRESETS: Dict[str, Tuple[Tuple[str, float], ...]] = OrderedDict([
    ('2s', (('j', 1.), ('b', 1.))),
    ('4s', (('j', 2.), ('b', 2.), ('jm', 1.), ('bm', 1.))),
    ('6s', (('j', 2.), ('b', 2.), ('k', 2.), ('jm', 1.), ('bm', 1.),
            ('km', 1.))),
    ('k400', (('j', 3.), ('b', 3.), ('jm', 1.), ('bm', 1.))),
])

Stream = Tuple[np.ndarray, np.ndarray, Sequence[str]]


def preset_weights(preset: str) -> Tuple[List[str], List[float]]:
    """Stream names and weights of a preset.

    Args:
        preset (str): One of :data:`ENSEMBLE_PRESETS` (``'2s'``, ``'4s'``,
            ``'6s'``, ``'k400'``).

    Returns:
        tuple: ``(names, weights)``, e.g. ``(['j', 'b'], [1.0, 1.0])``.
    """
    if preset not in ENSEMBLE_PRESETS:
        raise KeyError(f'unknown ensemble preset {preset!r}; choose one of '
                       f'{list(ENSEMBLE_PRESETS)} or give explicit weights')
    names, weights = zip(*ENSEMBLE_PRESETS[preset])
    return list(names), list(weights)


def softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise softmax of ``(N, K)`` logits (float64)."""
    scores = np.asarray(scores, dtype=np.float64)
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def check_probabilities(scores: np.ndarray, name: str,
                        atol: float = 1e-3) -> None:
    """Raise unless every row of ``scores`` is a probability vector.

    Args:
        scores (np.ndarray): ``(N, K)`` scores.
        name (str): The stream, for the message.
        atol (float): Tolerance on the row sums. Defaults to 1e-3.
    """
    sums = scores.sum(axis=1)
    bad = np.flatnonzero((np.abs(sums - 1) > atol) |
                         (scores < -atol).any(axis=1))
    if bad.size:
        raise ValueError(
            f'{name}: pred_score of {bad.size} of {len(scores)} samples are '
            f'not probabilities (row {bad[0]} sums to {sums[bad[0]]:.4g}). '
            "Test with cls_head average_clips='prob' (mmaction's default "
            'for skeleton heads), or fuse logits after a softmax '
            '(softmax=True, tools/ensemble.py --softmax).')


def align_streams(streams: Sequence[Stream],
                  names: Sequence[str]) -> Tuple[List[np.ndarray], np.ndarray,
                                                 List[str]]:
    """Match the samples of several streams by their ``frame_dir``.

    Args:
        streams (Sequence[tuple]): ``(scores (N, K), labels (N,), ids)`` per
            stream, as :func:`~brl_mm.evaluation.load_dump` returns them.
        names (Sequence[str]): A name per stream (e.g. its file), for the
            error messages.

    Returns:
        tuple: The scores of every stream reordered to the sample order of
        the first stream, the labels and the ids in that order.

    Raises:
        ValueError: If a stream has no or duplicate ids, the streams cover
            different samples or classes, or disagree on a label.
    """
    if len(streams) != len(names):
        raise ValueError(f'{len(names)} names for {len(streams)} streams')
    if not streams:
        raise ValueError('no streams to align')
    sorted_ids, orders = [], []
    for (scores, labels, ids), name in zip(streams, names):
        ids = np.asarray([str(i) for i in ids])
        if len(ids) != len(scores) or len(labels) != len(scores):
            raise ValueError(f'{name}: {len(scores)} scores, {len(labels)} '
                             f'labels and {len(ids)} ids')
        if len(ids) == 0 or (ids == '').any():
            raise ValueError(
                f'{name} has samples without frame_dir, so they cannot be '
                'matched across streams. Add meta_keys=(\'frame_dir\', ) to '
                'PackActionInputs in the test pipeline and dump again.')
        order = np.argsort(ids, kind='stable')
        ids_sorted = ids[order]
        dup = ids_sorted[1:][ids_sorted[1:] == ids_sorted[:-1]]
        if dup.size:
            raise ValueError(
                f'{name} holds {dup.size} duplicate frame_dir(s), e.g. '
                f'{sorted(set(dup.tolist()))[:3]}; dump a test set with one '
                'entry per sample (no RepeatDataset / ConcatDataset of the '
                'same samples).')
        sorted_ids.append(ids_sorted)
        orders.append(order)

    ref_name, ref_ids = names[0], sorted_ids[0]
    for name, ids, (scores, _, _) in zip(names[1:], sorted_ids[1:],
                                         streams[1:]):
        if ids.shape != ref_ids.shape or (ids != ref_ids).any():
            missing = np.setdiff1d(ref_ids, ids)
            extra = np.setdiff1d(ids, ref_ids)
            raise ValueError(
                f'{name} and {ref_name} cover different test samples '
                f'({len(ids)} vs {len(ref_ids)}; {missing.size} missing from '
                f'{name}, e.g. {missing[:3].tolist()}; {extra.size} only in '
                f'{name}, e.g. {extra[:3].tolist()}). Dump every stream with '
                'tools/test.py on the same test split (same ann_file, split '
                'and test dataloader).')
        if scores.shape[1] != streams[0][0].shape[1]:
            raise ValueError(f'{name} has {scores.shape[1]} classes, '
                             f'{ref_name} {streams[0][0].shape[1]}')

    # position of each of the first stream's samples in every stream
    ref_rank = np.empty(len(ref_ids), dtype=np.int64)
    ref_rank[orders[0]] = np.arange(len(ref_ids))
    aligned = []
    labels = np.asarray(streams[0][1], dtype=np.int64)
    for (scores, lab, _), order, name in zip(streams, orders, names):
        index = order[ref_rank]
        lab = np.asarray(lab, dtype=np.int64)[index]
        if (lab != labels).any():
            i = int(np.flatnonzero(lab != labels)[0])
            raise ValueError(
                f'{name} and {ref_name} disagree on the label of '
                f'{np.asarray(streams[0][2])[i]!s} ({lab[i]} vs {labels[i]}); '
                'the dumps come from different annotation files.')
        aligned.append(np.asarray(scores, dtype=np.float64)[index])
    return aligned, labels, [str(i) for i in streams[0][2]]


def fuse_scores(scores: Sequence[np.ndarray],
                weights: Sequence[float]) -> np.ndarray:
    """Weighted mean of aligned per-stream class probabilities.

    Args:
        scores (Sequence[np.ndarray]): ``(N, K)`` probabilities per stream,
            aligned sample by sample.
        weights (Sequence[float]): Non-negative weight per stream (not all
            zero). Normalised to sum to 1, so the fusion is again a
            probability vector; the argmax is that of the plain weighted
            sum.

    Returns:
        np.ndarray: ``(N, K)`` float64 fused probabilities.
    """
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (len(scores), ):
        raise ValueError(f'{w.size} weights for {len(scores)} streams')
    if (w < 0).any() or w.sum() <= 0 or not np.isfinite(w).all():
        raise ValueError(f'weights must be non-negative and not all zero, '
                         f'got {w.tolist()}')
    stacked = np.stack([np.asarray(s, dtype=np.float64) for s in scores])
    return np.tensordot(w / w.sum(), stacked, axes=1)


def load_streams(paths: Sequence[str],
                 apply_softmax: bool = False
                 ) -> Tuple[List[np.ndarray], np.ndarray, List[str]]:
    """Load ``tools/test.py --dump`` files and align them by ``frame_dir``.

    Args:
        paths (Sequence[str]): The dump files.
        apply_softmax (bool): Turn logit dumps into probabilities first.
            Without it, scores must already be probabilities. Defaults to
            False.

    Returns:
        tuple: Aligned probabilities per file, labels and ids (see
        :func:`align_streams`).
    """
    streams = []
    for path in paths:
        scores, labels, ids = load_dump(path)
        if apply_softmax:
            scores = softmax(scores)
        else:
            check_probabilities(scores, path)
        streams.append((scores, labels, ids))
    return align_streams(streams, list(paths))


def ensemble_weights(num_streams: int,
                     weights: Optional[Sequence[float]] = None,
                     preset: Optional[str] = None
                     ) -> Tuple[List[float], Optional[List[str]]]:
    """Resolve the weights of ``num_streams`` streams.

    Args:
        num_streams (int): Number of dumps.
        weights (Sequence[float], optional): Explicit weights.
        preset (str, optional): A preset of :data:`ENSEMBLE_PRESETS`.

    Returns:
        tuple: The weights and, for a preset, the stream names it expects
        (in the order the dumps must be given); equal weights without
        either.
    """
    if weights is not None and preset is not None:
        raise ValueError('give either weights or a preset, not both')
    if preset is not None:
        names, weights = preset_weights(preset)
        if len(names) != num_streams:
            raise ValueError(
                f'preset {preset} fuses {len(names)} streams '
                f'({":".join(n.upper() for n in names)}), got {num_streams} '
                'dumps; give them in that order')
        return weights, names
    if weights is None:
        return [1.0] * num_streams, None
    if len(weights) != num_streams:
        raise ValueError(f'{len(weights)} weights for {num_streams} dumps')
    return [float(w) for w in weights], None
