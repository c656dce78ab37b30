"""mmaction's Graph reads the layout table for layouts it lacks (nw_ucla)."""
import numpy as np
import pytest
import torch
from mmaction.models.utils import Graph
from mmaction.registry import MODELS

from brl_mm import layouts
from brl_mm.layouts import SkeletonLayout, get_layout
from brl_mm.compat.graph_layouts import register_table_layouts

MMACTION_GRAPH_LAYOUTS = [
    name for name, entry in layouts.LAYOUTS.items() if entry.in_mmaction]


@pytest.mark.parametrize('mode', ['spatial', 'stgcn_spatial', 'binary_adj'])
def test_nw_ucla_graph(mode):
    graph = Graph(layout='nw_ucla', mode=mode)
    table = get_layout('nw_ucla')
    reference = Graph(layout=table.graph_layout(), mode=mode)
    assert graph.layout == 'nw_ucla'
    assert graph.num_node == 20 and graph.center == table.center
    np.testing.assert_array_equal(graph.A, reference.A)
    if mode == 'spatial':
        assert graph.A.shape == (3, 20, 20)
        # 19 bones, every joint connected
        assert len(graph.inward) == 19
        far = Graph(layout='nw_ucla', mode=mode, max_hop=20)
        assert (far.hop_dis < np.inf).all()


@pytest.mark.parametrize('name', MMACTION_GRAPH_LAYOUTS)
def test_table_matches_mmaction_builtin_layouts(name):
    builtin = Graph(layout=name, mode='spatial')
    from_table = Graph(layout=get_layout(name).graph_layout(), mode='spatial')
    assert builtin.center == from_table.center
    assert sorted(builtin.inward) == sorted(from_table.inward)
    np.testing.assert_array_equal(builtin.A, from_table.A)


def test_any_new_table_layout_is_available(monkeypatch):
    toy = SkeletonLayout(name='toy5',
                         num_joints=5,
                         center=0,
                         parents=(0, 0, 1, 0, 3),
                         skip_pairs=(0, 1, 0, 3, 0),
                         flip_index=(0, 3, 4, 1, 2),
                         lower_body=(3, 4))
    monkeypatch.setitem(layouts.LAYOUTS, 'toy5', toy)
    graph = Graph(layout='toy5', mode='spatial')
    assert graph.A.shape == (3, 5, 5)
    assert sorted(graph.inward) == [(1, 0), (2, 1), (3, 0), (4, 3)]


def test_unknown_layout_names_the_table():
    with pytest.raises(KeyError, match='LAYOUTS'):
        Graph(layout='kinect_v3')


def test_mmaction_knows_exactly_the_in_mmaction_layouts():
    assert sorted(MMACTION_GRAPH_LAYOUTS) == ['coco', 'nturgb+d', 'openpose']
    original = Graph._brl_mm_original_init
    for name, entry in layouts.LAYOUTS.items():
        graph = Graph.__new__(Graph)
        if entry.in_mmaction:
            original(graph, name)
        else:
            with pytest.raises(Exception):
                original(graph, name)


def test_registration_is_idempotent():
    init = Graph.__init__
    register_table_layouts()
    assert Graph.__init__ is init


def test_stgcnpp_backbone_on_nw_ucla():
    backbone = MODELS.build(
        dict(type='STGCN',
             gcn_adaptive='init',
             gcn_with_res=True,
             tcn_type='mstcn',
             base_channels=8,
             num_stages=2,
             inflate_stages=[],
             down_stages=[],
             graph_cfg=dict(layout='nw_ucla', mode='spatial')))
    feats = backbone(torch.randn(2, 2, 8, 20, 3))  # (N, M, T, V, C)
    assert feats.shape == (2, 2, 8, 8, 20)
