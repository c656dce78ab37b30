# The README's main job (bash tools/run_demo.sh): BRL on the synthetic data,
# sized for two CPU cores (about 6 minutes). Same data, pipeline and ST-GCN++
# architecture as synthetic_lt.py with half the channel width, 8 epochs over
# the training set instead of 24 over a 5x repeat (DAA stage 2 in the last 2),
# one validation at the end, and single-clip testing.
_base_ = [
    '../_base_/models/stgcnpp_brl.py',
    '../_base_/datasets/synthetic_lt_3d_cpu.py',
    '../_base_/schedules/sgd_cosine_8e.py',
    '../_base_/default_runtime.py',
]

num_classes = 20
model = dict(
    data_preprocessor=dict(blending=dict(num_classes=num_classes)),
    backbone=dict(base_channels=32),  # half width: 128 channels out
    cls_head=dict(num_classes=num_classes, in_channels=128))
