"""Shim ``graph_table_layouts``: mmaction's ``Graph`` accepts every layout of
the layout table.

mmaction2 1.2.0's :class:`mmaction.models.utils.Graph` knows ``'openpose'``,
``'nturgb+d'`` and ``'coco'`` (or a dict). With this shim any other layout
name of :data:`brl_mm.layouts.LAYOUTS` works too, e.g.
``graph_cfg=dict(layout='nw_ucla', mode='spatial')`` in any backbone that
builds a ``Graph`` (ST-GCN, ST-GCN++, AAGCN, ...). The edges come from
``get_layout(name).graph_layout()``; a layout added to the table is available
to the graph without further code. The layouts mmaction knows itself
(``SkeletonLayout.in_mmaction``) keep their built-in definitions (the table
holds the same edges, see ``tests/compat/test_graph_layouts.py``).
"""
import functools
from typing import Union

from ..layouts import LAYOUTS, get_layout

__all__ = [
    'register_table_layouts', 'shim_graph_table_layouts',
    'table_graph_layout'
]


def table_graph_layout(layout: Union[str, dict]) -> Union[str, dict]:
    """Translate a table-only layout name into mmaction's dict form.

    Args:
        layout (str | dict): A ``Graph`` layout argument.

    Returns:
        str | dict: ``layout`` unchanged for mmaction's own names and dicts,
        otherwise ``get_layout(layout).graph_layout()`` (which raises a
        ``KeyError`` listing the known layouts for an unknown name).
    """
    if isinstance(layout, str) and not (layout in LAYOUTS
                                        and LAYOUTS[layout].in_mmaction):
        return get_layout(layout).graph_layout()
    return layout


def register_table_layouts() -> None:
    """Patch ``Graph.__init__`` and ``Graph.set_layout`` once (idempotent).

    ``Graph.__init__`` asserts that a string layout is one of mmaction's three
    names before it calls ``set_layout``, so both are wrapped. A graph built
    from a table layout keeps the layout *name* in ``graph.layout``.
    """
    from mmaction.models.utils.graph import Graph
    if getattr(Graph, '_brl_mm_table_layouts', False):
        return
    original_init = Graph.__init__
    original_set_layout = Graph.set_layout

    @functools.wraps(original_init)
    def __init__(self,
                 layout: Union[str, dict] = 'coco',
                 mode: str = 'spatial',
                 max_hop: int = 1) -> None:
        original_init(self, table_graph_layout(layout), mode, max_hop)
        self.layout = layout

    @functools.wraps(original_set_layout)
    def set_layout(self, layout: Union[str, dict]) -> None:
        original_set_layout(self, table_graph_layout(layout))

    Graph.__init__ = __init__
    Graph.set_layout = set_layout
    Graph._brl_mm_table_layouts = True
    Graph._brl_mm_original_init = original_init
    Graph._brl_mm_original_set_layout = original_set_layout


def shim_graph_table_layouts() -> bool:
    """Apply :func:`register_table_layouts` when ``mmaction.models`` imports
    (it does not with the ``drn_stub`` shim off; ``brl_mm.models`` then warns
    which components are missing).

    Returns:
        bool: Whether ``Graph`` is patched.
    """
    try:
        import mmaction.models  # noqa: F401
    except ImportError:
        return False
    register_table_layouts()
    return True
