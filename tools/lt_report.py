"""Print top-1 / mean-class / many / medium / few accuracy of prediction dumps.

    python tools/lt_report.py preds.pkl --config configs/brl/synthetic_lt.py

The training class counts (for the many/medium/few groups) come from the
config's training dataset (``--config``) or from ``--train-counts 600,400,...``.
"""
import argparse
import os.path as osp
import pickle
import sys
from typing import List, Tuple

import numpy as np

import brl_mm  # noqa: F401
from brl_mm.datasets import dataset_class_counts
from brl_mm.engine.launch import run_cli
from brl_mm.utils import load_config
from brl_mm.evaluation import format_lt_table, load_dump, long_tail_accuracy

EXPECTED_DUMP = ('a tools/test.py --dump file (a pickled list of dicts with '
                 'pred_score and gt_label)')


def read_dump(path: str) -> Tuple[np.ndarray, np.ndarray, List[str]]:
    """:func:`brl_mm.evaluation.load_dump` with errors that name the file
    and what was expected.

    Raises:
        FileNotFoundError: No such file.
        ValueError: Not readable as a pickle, or not a dump.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} not found: expected {EXPECTED_DUMP}')
    try:
        return load_dump(path)
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError,
            IndexError) as e:
        raise ValueError(f'{path} cannot be read ({type(e).__name__}: {e}): '
                         f'expected {EXPECTED_DUMP}') from e
    except (TypeError, KeyError) as e:
        raise ValueError(f'{path} is not {EXPECTED_DUMP} (reading it: '
                         f'{type(e).__name__}: {e})') from e


def parse_counts(text: str) -> np.ndarray:
    """``--train-counts 600,400,...`` as an int array (clear error)."""
    try:
        counts = np.array([int(c) for c in text.split(',')])
    except ValueError:
        raise ValueError(f'--train-counts {text!r}: expected comma-separated '
                         'whole numbers, e.g. 600,400,20') from None
    if (counts < 0).any():
        raise ValueError(f'--train-counts {text!r}: counts must be >= 0')
    return counts


def train_counts_from_config(config: str) -> np.ndarray:
    """Build the config's training dataset and read its class counts."""
    from mmaction.registry import DATASETS
    from mmaction.utils import register_all_modules
    register_all_modules()
    cfg = load_config(config)
    dataset_cfg = cfg.train_dataloader.dataset
    dataset = DATASETS.build(dataset_cfg)
    return dataset_class_counts(dataset)


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('dumps', nargs='+', help='tools/test.py --dump files')
    parser.add_argument('--names', nargs='+', help='row names (default: file)')
    parser.add_argument('--config', help='config whose training set gives '
                        'the class counts')
    parser.add_argument('--train-counts', help='comma-separated class counts')
    parser.add_argument('--many-thr', type=int, default=100)
    parser.add_argument('--few-thr', type=int, default=20)
    args = parser.parse_args(argv)
    counts = None
    if args.train_counts:
        counts = parse_counts(args.train_counts)
    elif args.config:
        counts = train_counts_from_config(args.config)
    names = args.names or args.dumps
    if len(names) != len(args.dumps):
        parser.error('--names needs one name per dump')
    rows = {}
    for name, path in zip(names, args.dumps):
        scores, labels, _ = read_dump(path)
        rows[name] = long_tail_accuracy(scores, labels, counts,
                                        args.many_thr, args.few_thr)
    table = format_lt_table(rows)
    print(table)
    if counts is not None:
        groups = next(iter(rows.values()))['groups']
        print(f'(accuracy in %; shot groups by training count: many > '
              f'{args.many_thr}: {len(groups["many"])} classes, medium: '
              f'{len(groups["medium"])}, few < {args.few_thr}: '
              f'{len(groups["few"])}; mean_class averages all classes)')
    return table


if __name__ == '__main__':
    sys.exit(run_cli(main))
