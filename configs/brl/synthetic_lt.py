# BRL (ST-GCN++) on the embedded synthetic long-tailed dataset, with the
# benchmark's recipe (24 epochs over a 5x repeated training set). Generate the
# data first:
#   python tools/data/generate_synthetic_lt.py --out data/skeleton/synthetic_lt_ntu.pkl
_base_ = [
    '../_base_/models/stgcnpp_brl.py',
    '../_base_/datasets/synthetic_lt_3d.py',
    '../_base_/schedules/sgd_cosine_24e.py',
    '../_base_/default_runtime.py',
]

num_classes = 20
model = dict(
    data_preprocessor=dict(blending=dict(num_classes=num_classes)),
    cls_head=dict(num_classes=num_classes))
