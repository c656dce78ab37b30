"""Per-class loss weights computed from the training class counts (host
side, float64): the effective-number weights of the class-balanced loss and
BRL's action-aware weights."""
from typing import Union

import numpy as np

from .functional import CountsLike, validate_class_counts

Beta = Union[float, np.ndarray]


def effective_number_weight(counts: np.ndarray, beta: Beta) -> np.ndarray:
    """Inverse effective number of samples, normalized to sum ``K``.

    ``w_y = (1 - beta_y) / (1 - beta_y ** n_y)``, then
    ``w <- K * w / sum(w)``. A class with one sample gets raw weight 1.

    Args:
        counts (np.ndarray): Validated float64 counts ``(K,)``, all >= 1.
        beta (float | np.ndarray): One beta in ``[0, 1)`` or one per class.

    Returns:
        np.ndarray: float64 weights ``(K,)`` summing to ``K``.
    """
    weights = (1.0 - beta) / (1.0 - np.power(beta, counts))
    return weights / weights.sum() * counts.size


def class_balanced_weight(counts: CountsLike,
                          beta: float = 0.9999) -> np.ndarray:
    """Inverse effective-number class weights (Cui et al., CVPR 2019).

    ``w_y = (1 - beta) / (1 - beta ** n_y)``, normalized to sum ``K``.
    ``beta = 0`` gives uniform weights, ``beta -> 1`` inverse frequency.

    Args:
        counts (Sequence[int] | np.ndarray | torch.Tensor): Per-class
            training counts ``(K,)``; every class needs a sample.
        beta (float): In ``[0, 1)``. Defaults to 0.9999.

    Returns:
        np.ndarray: float64 weights ``(K,)`` summing to ``K``.
    """
    if not 0.0 <= beta < 1.0:
        raise ValueError(f'beta must be in [0, 1), got {beta}')
    counts = validate_class_counts(counts, owner='class_balanced_weight')
    return effective_number_weight(counts, beta)


def check_action_aware_betas(upsilon: float, lam: float) -> None:
    """Raise a ``ValueError`` unless ``0 <= upsilon``, ``0 <= lam`` and
    ``upsilon + lam < 1`` (a beta of 1 divides by zero)."""
    if not (0.0 <= upsilon and lam >= 0.0 and upsilon + lam < 1.0):
        raise ValueError(
            'action-aware betas need 0 <= upsilon, 0 <= lam and upsilon + lam'
            f' < 1 (beta = 1 divides by zero), got upsilon={upsilon}, '
            f'lam={lam}')


def action_aware_betas(counts: np.ndarray, upsilon: float,
                       lam: float) -> np.ndarray:
    """BRL's per-class betas
    ``beta_y = upsilon + lam * (n_y - n_min) / (n_max - n_min)``.

    When every class has the same count the ratio is taken as 0 (every
    class gets ``upsilon``, no 0/0).

    Args:
        counts (np.ndarray): Validated float64 counts ``(K,)``.
        upsilon (float): Beta of the rarest class.
        lam (float): Beta range.

    Returns:
        np.ndarray: float64 betas ``(K,)``.
    """
    n_min, n_max = counts.min(), counts.max()
    if n_max == n_min:
        relative = np.zeros_like(counts)
    else:
        relative = (counts - n_min) / (n_max - n_min)
    return upsilon + lam * relative


def action_aware_class_weight(counts: CountsLike,
                              upsilon: float = 0.99,
                              lam: float = 0.0099) -> np.ndarray:
    """BRL's action-aware class weights.

    ``beta_y = upsilon + lam * (n_y - n_min) / (n_max - n_min)``,
    ``w_y = (1 - beta_y) / (1 - beta_y ** n_y)``, normalized so that
    ``sum_y w_y = K``. When every class has the same count the ratio is taken
    as 0 (``beta_y = upsilon``), which gives uniform weights. A class with a
    single sample gets ``w_y = 1`` before normalization. A class without
    samples is an error.

    Args:
        counts (Sequence[int] | np.ndarray | torch.Tensor): Per-class
            training counts ``(K,)``.
        upsilon (float): Smallest beta (of the rarest class). Defaults to
            0.99.
        lam (float): Beta range: the most frequent class gets
            ``upsilon + lam``. Defaults to 0.0099 (beta 0.99 .. 0.9999).

    Returns:
        np.ndarray: float64 weights ``(K,)`` summing to ``K``.
    """
    check_action_aware_betas(upsilon, lam)
    counts = validate_class_counts(counts, owner='action_aware_class_weight')
    return effective_number_weight(counts,
                                   action_aware_betas(counts, upsilon, lam))
