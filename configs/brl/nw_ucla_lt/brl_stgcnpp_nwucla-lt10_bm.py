# BRL (ST-GCN++) on NW-UCLA-LT (IF=10, n_max=100), bone motion stream. BRL's
# recipe (spec section 4) on the NW-UCLA pickle of
# tools/data/nw_ucla_to_pkl.py: graph, mixup and features on the 20-joint
# NW-UCLA layout (mixup alpha 11/20 = 0.55 from the layout table), 10 classes.
# The released BRL code has no NW-UCLA config; the recipe here is the NTU one.
_base_ = [
    '../../_base_/models/stgcnpp_brl.py',
    '../../_base_/datasets/streams/nw_ucla_bm.py',
    '../../_base_/schedules/sgd_cosine_24e.py',
    '../../_base_/default_runtime.py',
]

num_classes = 10
model = dict(
    data_preprocessor=dict(
        blending=dict(num_classes=num_classes, layout='nw_ucla')),
    backbone=dict(graph_cfg=dict(layout='nw_ucla')),
    cls_head=dict(num_classes=num_classes))
