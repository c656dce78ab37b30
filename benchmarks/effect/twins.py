"""Picking the synthetic stand-ins ("twins") of a recorded set's actions by
how a model-free classifier confuses them (issue 18, item 4).

``lt_effect.py --dataset synthetic_utk`` trains on synthetic classes standing
in for UTKinect-Action3D's actions, each with its action's label and
long-tailed count, and ``--agree-with`` compares the methods' orderings on
the two sets. Long-tail methods act on which classes the model confuses with
which: a tail class that looks like a head class loses its test takes to the
head, and rebalancing gives them back. Twins picked by name need not keep
that structure. On UTKinect 1-NN (:mod:`.data_stats`) gets 2 of 10 *walk*
takes right (4 go to *carry*, the head class) and all *push* / *pull* takes;
*walk in place* is right 80-100% of the time and the two *punch forward*
classes are confused with each other.

This module picks, for each label of the recorded set, the synthetic class
(from a declared list of plausible stand-ins per action, or from all the
generator's one-person classes) that makes the generated data's
1-NN confusion matrix, averaged over generator seeds, closest to the recorded
set's (mean total-variation distance of the rows). The search starts from
the named twins and applies the best single change (a label gets an unused
class, or two labels swap classes) while it lowers the distance. No model is
trained and no method result is looked at.
"""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .data_stats import confusion_matrix, nearest_labels, take_features


@dataclass
class TwinPool:
    """Features (:func:`.data_stats.take_features`) of candidate classes,
    per generator seed.

    Attributes:
        names (list[str]): The candidate classes.
        seeds (list[int]): The generator seeds.
        train (list[dict]): Per seed, ``(class index, count)`` -> the
            ``(count, D)`` features of the class's training takes when the
            generator makes ``count`` of them.
        test (list[dict]): Per seed, class index -> ``(V, D)`` features of
            its test takes (other subjects).
    """
    names: List[str]
    seeds: List[int]
    train: List[Dict[Tuple[int, int], np.ndarray]] = field(repr=False)
    test: List[Dict[int, np.ndarray]] = field(repr=False)

    def index(self, name: str) -> int:
        """Index of a candidate class by name (ValueError naming the
        candidates when it is none)."""
        if name not in self.names:
            raise ValueError(f'{name!r} is not a candidate class; '
                             f'candidates: {self.names}')
        return self.names.index(name)


def one_person_classes() -> List[str]:
    """The generator's classes performed by one person, in table order."""
    from brl_mm.datasets.synthetic import (generate_synthetic_lt,
                                           max_synthetic_classes,
                                           synthetic_class_names)
    names = synthetic_class_names(max_synthetic_classes())
    meta = generate_synthetic_lt(classes=names, class_counts=[1] * len(names),
                                 val_per_class=0, min_frames=8,
                                 max_frames=8)['meta']
    two = set(meta['two_person_classes'])
    return [n for i, n in enumerate(names) if i not in two]


def build_pool(counts: Sequence[int], seeds: Sequence[int],
               candidates: Optional[Sequence[str]] = None,
               **generator_kwargs) -> TwinPool:
    """Generate every candidate class at every count of ``counts``.

    A class's takes depend on its name, the seed, the split, the count and
    the subjects, not on the other classes of the dataset, so the features
    are those the class would have in any dataset of these arguments.

    Args:
        counts (Sequence[int]): The training counts per label (the distinct
            ones are generated).
        seeds (Sequence[int]): Generator seeds.
        candidates (Sequence[str], optional): Class names. Defaults to
            :func:`one_person_classes`.
        **generator_kwargs: Other arguments of ``generate_synthetic_lt``
            (``val_per_class``, ``train_subjects``, ...).

    Returns:
        TwinPool: The features.
    """
    from brl_mm.datasets.synthetic import generate_synthetic_lt
    names = list(candidates) if candidates is not None else \
        one_person_classes()
    kwargs = {k: v for k, v in generator_kwargs.items()
              if k not in ('classes', 'class_counts', 'seed', 'n_max',
                           'imbalance_factor', 'num_classes')}
    val_per_class = kwargs.pop('val_per_class', 30)
    train, test = [], []
    for seed in seeds:
        by_count: Dict[Tuple[int, int], np.ndarray] = {}
        by_class: Dict[int, np.ndarray] = {}
        for k, n in enumerate(sorted({int(c) for c in counts if c > 0})):
            data = generate_synthetic_lt(
                classes=names, class_counts=[n] * len(names), seed=seed,
                val_per_class=val_per_class if k == 0 else 0, **kwargs)
            by_id = {a['frame_dir']: a for a in data['annotations']}
            for split, keep in (('xsub_train', by_count),
                                ('xsub_val', by_class)):
                grouped: Dict[int, list] = {}
                for fid in data['split'][split]:
                    ann = by_id[fid]
                    grouped.setdefault(ann['label'], []).append(
                        take_features(ann))
                for label, feats in grouped.items():
                    key = (label, n) if split == 'xsub_train' else label
                    keep[key] = np.stack(feats)
        train.append(by_count)
        test.append(by_class)
    return TwinPool(names, list(seeds), train, test)


def assignment_confusion(pool: TwinPool, assignment: Sequence[int],
                         counts: Sequence[int]) -> np.ndarray:
    """The 1-NN confusion matrix of the dataset that gives label ``i`` the
    class ``assignment[i]`` with ``counts[i]`` training takes, averaged over
    the pool's seeds."""
    num = len(assignment)
    total = np.zeros((num, num))
    for train, test in zip(pool.train, pool.test):
        labels = [i for i in range(num) if counts[i] > 0]
        gallery = np.concatenate(
            [train[(assignment[i], int(counts[i]))] for i in labels])
        gallery_labels = np.concatenate(
            [np.full(int(counts[i]), i) for i in labels])
        queries = np.concatenate([test[c] for c in assignment])
        truth = np.concatenate(
            [np.full(len(test[c]), i) for i, c in enumerate(assignment)])
        total += confusion_matrix(
            truth, nearest_labels(gallery, gallery_labels, queries), num)
    return total / len(pool.seeds)


def confusion_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Mean total-variation distance between the rows of two row-normalised
    confusion matrices (0: the same, 1: disjoint)."""
    return float(0.5 * np.abs(a - b).sum(1).mean())


def pick_twins(pool: TwinPool, reference: np.ndarray,
               counts: Sequence[int], start: Sequence[int],
               allowed: Optional[Sequence[Sequence[int]]] = None,
               max_rounds: int = 50) -> Tuple[List[int], List[float]]:
    """Best-improvement local search of an assignment (label -> candidate
    index) whose :func:`assignment_confusion` is closest to ``reference``.

    Args:
        pool (TwinPool): The candidates' features.
        reference (np.ndarray): The recorded set's row-normalised 1-NN
            confusion matrix, ``(L, L)``.
        counts (Sequence[int]): Training takes per label.
        start (Sequence[int]): The first assignment (e.g. the named twins).
        allowed (Sequence[Sequence[int]], optional): Per label, the
            candidate indices it may get (each must hold its ``start``).
            Defaults to every candidate for every label.
        max_rounds (int): Most changes applied. Defaults to 50.

    Returns:
        tuple: The assignment and the distance after each round (the first
        is the start's).
    """
    if len(set(start)) != len(start):
        raise ValueError(f'start assigns a class twice: {list(start)}')
    if reference.shape != (len(start), len(start)):
        raise ValueError(f'reference is {reference.shape}, the assignment '
                         f'has {len(start)} labels')
    every = range(len(pool.names))
    allowed = [set(every)] * len(start) if allowed is None else \
        [set(a) for a in allowed]
    if len(allowed) != len(start) or any(
            c not in a for c, a in zip(start, allowed)):
        raise ValueError('allowed must have one set per label, each '
                         'holding its start class')
    current = list(start)

    def cost(assignment):
        return confusion_distance(
            assignment_confusion(pool, assignment, counts), reference)

    history = [cost(current)]
    for _ in range(max_rounds):
        best, best_cost = None, history[-1]
        moves = [(i, c) for i in range(len(current))
                 for c in sorted(allowed[i]) if c not in current]
        moves += [(i, -1 - j) for i in range(len(current))
                  for j in range(i + 1, len(current))
                  if current[j] in allowed[i] and current[i] in allowed[j]]
        for i, c in moves:
            trial = list(current)
            if c >= 0:
                trial[i] = c
            else:  # swap labels i and j
                j = -1 - c
                trial[i], trial[j] = trial[j], trial[i]
            value = cost(trial)
            if value < best_cost - 1e-12:
                best, best_cost = trial, value
        if best is None:
            break
        current = best
        history.append(best_cost)
    return current, history
