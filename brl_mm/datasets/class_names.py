"""Class names of the benchmarks, shipped with the package.

``brl_mm/data/class_names/{ntu60,ntu120,nw_ucla,k400}.txt`` hold one name
per line in label order: NTU RGB+D actions A1..A60 / A1..A120, the ten
NW-UCLA actions (a01..a06, a08, a09, a11, a12) and the 400 Kinetics-400
classes in the standard (alphabetical) label order of the Kinetics label
maps, which mmaction2's and PYSKL's K400 skeleton annotations use.
"""
import os
import os.path as osp
from typing import List, Optional, Tuple

__all__ = ['CLASS_NAME_DIR', 'BENCHMARK_CLASS_LISTS', 'packaged_class_lists',
           'load_class_names', 'benchmark_class_names']

#: Folder of the packaged lists.
CLASS_NAME_DIR = osp.join(osp.dirname(osp.dirname(__file__)), 'data',
                          'class_names')

#: ``(layout, num_classes)`` of a benchmark -> its packaged list.
BENCHMARK_CLASS_LISTS = {
    ('nturgb+d', 60): 'ntu60',
    ('nturgb+d', 120): 'ntu120',
    ('nw_ucla', 10): 'nw_ucla',
    ('coco', 400): 'k400',
}


def packaged_class_lists() -> List[str]:
    """Names of the packaged class-name lists (``['ntu120', ...]``)."""
    return sorted(f[:-4] for f in os.listdir(CLASS_NAME_DIR)
                  if f.endswith('.txt'))


def load_class_names(name: str) -> Tuple[str, ...]:
    """Read a packaged list by name, or any text file with a name per line.

    Args:
        name (str): ``'ntu60'``, ``'ntu120'``, ``'nw_ucla'`` or a path.

    Returns:
        tuple[str]: The class names in label order.
    """
    path = name if osp.isfile(name) else osp.join(CLASS_NAME_DIR,
                                                  f'{name}.txt')
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'class-name list {name!r} not found: give a text file with one '
            f'name per line or one of {packaged_class_lists()}')
    with open(path, encoding='utf-8') as f:
        names = tuple(line.strip() for line in f if line.strip())
    if not names:
        raise ValueError(f'class-name list {path} is empty')
    return names


def benchmark_class_names(layout: Optional[str],
                          num_classes: int) -> Optional[Tuple[str, ...]]:
    """The packaged names of the benchmark with this layout and class count.

    Args:
        layout (str, optional): Skeleton layout name (``'nturgb+d'``, ...).
        num_classes (int): Number of classes.

    Returns:
        tuple[str] | None: NTU60 names for (``'nturgb+d'``, 60), NTU120 for
        (``'nturgb+d'``, 120), NW-UCLA for (``'nw_ucla'``, 10), Kinetics-400
        for (``'coco'``, 400), else None.
    """
    name = BENCHMARK_CLASS_LISTS.get((layout, int(num_classes)))
    return load_class_names(name) if name is not None else None
