"""Read ``tools/test.py --dump`` files and print long-tail tables."""
import pickle
from typing import Dict, List, Sequence, Tuple

import numpy as np


def load_dump(path: str) -> Tuple[np.ndarray, np.ndarray, List[str]]:
    """Read a prediction dump of ``tools/test.py --dump``.

    Args:
        path (str): The ``.pkl`` file.

    Returns:
        tuple: ``scores`` (N, K) float array, ``labels`` (N,) int array and
        the ``frame_dir`` of each sample (empty strings when the test
        pipeline did not keep it).
    """
    with open(path, 'rb') as f:
        samples = pickle.load(f)
    if not isinstance(samples, list) or not samples or \
            'pred_score' not in samples[0]:
        raise ValueError(f'{path} is not a prediction dump of tools/test.py '
                         '--dump (a list of dicts with pred_score)')
    scores = np.stack([np.asarray(s['pred_score'], dtype=np.float64)
                       for s in samples])
    labels = np.array([int(np.asarray(s['gt_label']).reshape(-1)[0])
                       for s in samples], dtype=np.int64)
    ids = [str(s.get('frame_dir', '')) for s in samples]
    return scores, labels, ids


def format_lt_table(rows: Dict[str, Dict[str, object]],
                    columns: Sequence[str] = ('top1', 'mean_class', 'many',
                                              'medium', 'few')) -> str:
    """Format long-tail results (fractions) as a Markdown table of percents.

    Args:
        rows (dict): ``{row name: long_tail_accuracy(...) result}``.
        columns (Sequence[str]): Result keys to show.

    Returns:
        str: The table.
    """
    header = '| run | ' + ' | '.join(columns) + ' |'
    lines = [header, '|' + '---|' * (len(columns) + 1)]
    for name, result in rows.items():
        cells = []
        for col in columns:
            value = result.get(col)
            cells.append('n/a' if value is None or not np.isfinite(value)
                         else f'{100 * float(value):.1f}')
        lines.append(f'| {name} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)
