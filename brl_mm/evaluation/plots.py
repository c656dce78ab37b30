"""Per-class accuracy against training-set size, one series per stream/model.

The figure is drawn with matplotlib's object API on an Agg canvas (no
``pyplot``, no change to the user's global backend), so it works on headless
training nodes.
"""
import os
import os.path as osp
from typing import Dict, Mapping, Optional, Sequence

import numpy as np

from ..datasets.long_tail import split_by_shot

__all__ = ['plot_per_class_accuracy']

# Shot-group band colours (few, medium, many) and series colours
# (colour-blind friendly, Okabe-Ito order, no yellow on the yellow band;
# black is kept for the emphasized series, e.g. the fusion).
_BAND_COLORS = ('#fbe3e0', '#fdf3d0', '#e2f1e0')
_SERIES_COLORS = ('#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9',
                  '#D55E00')
_MARKERS = ('o', 's', '^', 'D', 'v', 'P', 'X', '*')


def _trend(x: np.ndarray, y: np.ndarray,
           num_bins: int) -> Optional[Dict[str, np.ndarray]]:
    """Mean accuracy in log-spaced count bins (the readable summary line);
    with few distinct counts, the mean accuracy at each count."""
    keep = np.isfinite(y)
    x, y = x[keep], y[keep]
    if x.size < 2 or x.min() == x.max():
        return None
    values, inverse = np.unique(x, return_inverse=True)
    if values.size <= 2 * num_bins:  # few distinct counts: join the means
        mean = np.bincount(inverse, weights=y) / np.bincount(inverse)
        return dict(x=values, y=mean)
    edges = np.logspace(
        np.log10(x.min()), np.log10(x.max()), num_bins + 1)
    idx = np.clip(np.searchsorted(edges, x, side='right') - 1, 0,
                  num_bins - 1)
    total = np.bincount(idx, weights=y, minlength=num_bins)
    size = np.bincount(idx, minlength=num_bins)
    filled = size > 0
    centers = np.sqrt(edges[:-1] * edges[1:])
    return dict(x=centers[filled], y=total[filled] / size[filled])


def plot_per_class_accuracy(per_class: Mapping[str, Sequence[float]],
                            train_counts: Sequence[int],
                            out_file: str,
                            many_thr: int = 100,
                            few_thr: int = 20,
                            title: Optional[str] = None,
                            num_bins: int = 8,
                            dpi: int = 150,
                            emphasize: Optional[str] = None) -> str:
    """Write a PNG of per-class accuracy vs. training count (log x axis).

    Every series gets its per-class points (slightly offset from each other
    so that several streams stay visible) and a line through its mean
    accuracy in log-spaced count bins; the legend gives its mean class
    accuracy. The background is split into the few / medium / many shot
    bands (count ``< few_thr``, in between, ``> many_thr``), each labelled
    with its number of classes and each series' group accuracy drawn as a
    short dashed segment.

    Args:
        per_class (Mapping[str, Sequence[float]]): ``{series name: per-class
            accuracy}`` (fractions in [0, 1], NaN for a class without test
            samples, which is left out), every array of length ``K``.
        train_counts (Sequence[int]): Training samples per class, ``(K,)``.
            Classes with no training sample are drawn at 1.
        out_file (str): PNG path; its folder is created.
        many_thr (int): "Many" classes have more than this many training
            samples. Defaults to 100.
        few_thr (int): "Few" classes have fewer. Defaults to 20.
        title (str, optional): Figure title.
        num_bins (int): Bins of the trend line. Defaults to 8.
        dpi (int): Resolution. Defaults to 150.
        emphasize (str, optional): A series (e.g. the fusion) drawn in
            black with a thicker line, on top of the others.

    Returns:
        str: ``out_file``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    counts = np.asarray(train_counts, dtype=np.float64)
    if not per_class:
        raise ValueError('plot_per_class_accuracy needs at least one series')
    series = {
        name: np.asarray(acc, dtype=np.float64)
        for name, acc in per_class.items()
    }
    for name, acc in series.items():
        if acc.shape != counts.shape:
            raise ValueError(f'series {name!r} has {acc.size} classes, the '
                             f'train counts have {counts.size}')
    x = np.maximum(counts, 1.0)
    lo, hi = x.min() / 1.4, x.max() * 1.4
    groups = split_by_shot(counts, many_thr, few_thr)

    fig = Figure(figsize=(12, 5.6), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.set_xscale('log')
    ax.set_xlim(lo, hi)
    ax.set_ylim(-4, 119)

    bands = [('few', f'few (< {few_thr})', lo, few_thr - 0.5),
             ('medium', f'medium ({few_thr}-{many_thr})', few_thr - 0.5,
              many_thr + 0.5),
             ('many', f'many (> {many_thr})', many_thr + 0.5, hi)]
    visible = []
    for (key, label, left, right), color in zip(bands, _BAND_COLORS):
        left, right = max(left, lo), min(right, hi)
        if right <= left:
            continue
        visible.append((key, left, right))
        ax.axvspan(left, right, color=color, zorder=0, lw=0)
        n = len(groups[key])
        ax.text(np.sqrt(left * right), 116, f'{label}\n{n} classes',
                ha='center', va='top', fontsize=9, color='#555555')

    if emphasize is not None and emphasize not in series:
        raise KeyError(f'emphasize={emphasize!r} is not one of the series '
                       f'{list(series)}')
    n_series = len(series)
    others = [name for name in series if name != emphasize]
    for name, acc in series.items():
        main = name == emphasize
        slot = others.index(name) if not main else len(others)
        color = ('#000000' if main else
                 _SERIES_COLORS[slot % len(_SERIES_COLORS)])
        marker = _MARKERS[slot % len(_MARKERS)]
        width, top = (3.0, 6) if main else (2.2, 4)
        shift = 10**(0.012 * (slot - (n_series - 1) / 2))  # log-space dodge
        keep = np.isfinite(acc)
        mean_class = float(np.nanmean(acc)) if keep.any() else float('nan')
        ax.scatter(x[keep] * shift, 100 * acc[keep], s=16, color=color,
                   marker=marker, alpha=0.5 if n_series <= 3 else 0.3, lw=0,
                   zorder=3)
        trend = _trend(x, acc, num_bins)
        if trend is not None:
            ax.plot(trend['x'], 100 * trend['y'], color=color, lw=width,
                    marker=marker, ms=6, zorder=top,
                    label=f'{name} (mean class {100 * mean_class:.1f}%)')
        else:
            ax.plot([], [], color=color, marker=marker,
                    label=f'{name} (mean class {100 * mean_class:.1f}%)')
        for key, left, right in visible:
            ids = groups[key]
            values = acc[ids] if ids else np.array([np.nan])
            if not np.isfinite(values).any():
                continue
            ax.hlines(100 * np.nanmean(values), left * 1.05, right / 1.05,
                      colors=color, linestyles='--', lw=1.1, alpha=0.9,
                      zorder=2)

    ticks = np.array([1, 2, 5])[None, :] * 10.0**np.arange(-1, 7)[:, None]
    ticks = ticks.ravel()
    ax.set_xticks(ticks[(ticks >= lo) & (ticks <= hi)])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f'{v:g}'))
    ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: ''))
    ax.set_xlabel('training samples of the class (log scale)')
    ax.set_ylabel('per-class top-1 accuracy (%)')
    ax.set_yticks(np.arange(0, 101, 20))
    ax.grid(True, which='major', axis='both', color='white', lw=0.8,
            zorder=1)
    ax.set_axisbelow(True)
    if title:
        ax.set_title(title)
    ax.legend(loc='upper left', bbox_to_anchor=(1.01, 1.0), fontsize=9,
              frameon=False, title='dots: classes\nline: binned mean\n'
              'dashes: shot-group mean', title_fontsize=8,
              alignment='left')
    fig.tight_layout()
    folder = osp.dirname(osp.abspath(out_file))
    os.makedirs(folder, exist_ok=True)
    fig.savefig(out_file, dpi=dpi)
    return out_file
