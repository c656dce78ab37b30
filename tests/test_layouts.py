"""The layout table: internal consistency and agreement with mmaction."""
import numpy as np
import pytest

import brl_mm  # noqa: F401,I001
from mmaction.models.utils import Graph

from brl_mm.datasets import LAYOUTS, get_layout
from brl_mm.layouts import SkeletonLayout


@pytest.mark.parametrize('name', sorted(LAYOUTS))
def test_flip_is_an_involution_and_tree_reaches_center(name):
    layout = get_layout(name)
    flip = np.array(layout.flip_index)
    np.testing.assert_array_equal(flip[flip], np.arange(layout.num_joints))
    depth = layout.depth()
    assert depth[layout.center] == 0
    assert (depth[np.arange(layout.num_joints) != layout.center] > 0).all()
    assert len(layout.inward_edges) == layout.num_joints - 1


@pytest.mark.parametrize('name', ['nturgb+d', 'coco', 'openpose'])
def test_graph_from_table_equals_mmaction_builtin(name):
    layout = get_layout(name)
    ours = Graph(layout=layout.graph_layout(), mode='spatial')
    stock = Graph(layout=name, mode='spatial')
    np.testing.assert_array_equal(ours.A, stock.A)


def test_ntu_flip_maps_left_hand_to_right_hand():
    ntu = get_layout('nturgb+d')
    names = ntu.joint_names
    for v, w in enumerate(ntu.flip_index):
        if v == w:
            assert 'left' not in names[v] and 'right' not in names[v]
        else:
            assert names[v].replace('left', 'X').replace('right', 'X') == \
                names[w].replace('left', 'X').replace('right', 'X')
    assert names[ntu.flip_index[names.index('left_hand')]] == 'right_hand'


@pytest.mark.parametrize('name, share', [('nturgb+d', 0.64),
                                         ('nw_ucla', 0.55),
                                         ('coco', 11 / 17),
                                         ('openpose', 12 / 18)])
def test_upper_body_share_is_the_mixup_alpha(name, share):
    layout = get_layout(name)
    assert layout.upper_share == pytest.approx(share)
    mask = layout.lower_body_mask()
    assert mask.sum() == len(layout.lower_body)
    assert set(layout.upper_body).isdisjoint(layout.lower_body)


def test_ntu_skip_pairs_are_the_spec_pairs():
    spec = [(0, 20), (1, 1), (2, 2), (3, 20), (4, 4), (5, 20), (6, 4), (7, 5),
            (8, 8), (9, 20), (10, 8), (11, 9), (12, 1), (13, 0), (14, 12),
            (15, 13), (16, 1), (17, 0), (18, 16), (19, 17), (20, 20),
            (21, 7), (22, 6), (23, 11), (24, 10)]
    assert get_layout('nturgb+d').skip_pairs == tuple(p for _, p in spec)


def test_unknown_layout_names_the_known_ones():
    with pytest.raises(KeyError, match="unknown skeleton layout 'h36m'.*coco"):
        get_layout('h36m')


def test_bad_entries_are_rejected():
    with pytest.raises(ValueError, match='not a permutation'):
        SkeletonLayout(name='x', num_joints=3, center=0, parents=(0, 0, 1),
                       skip_pairs=(0, 0, 0), flip_index=(0, 0, 2),
                       lower_body=(2, ))
    with pytest.raises(ValueError, match='center joint must be its own'):
        SkeletonLayout(name='x', num_joints=3, center=0, parents=(1, 0, 1),
                       skip_pairs=(0, 0, 0), flip_index=(0, 1, 2),
                       lower_body=(2, ))
    with pytest.raises(ValueError, match='parents must list 3'):
        SkeletonLayout(name='x', num_joints=3, center=0, parents=(0, 0),
                       skip_pairs=(0, 0, 0), flip_index=(0, 1, 2),
                       lower_body=(2, ))
