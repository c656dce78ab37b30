# BRL (ST-GCN++) on Kinetics-400 skeletons (COCO-17 2D HRNet, natural long
# tail), bone stream, with BRL's K400 schedule (the released config): 150
# epochs, cosine, lr 0.1 for 4 GPUs x 64 samples (auto_scale_lr scales it to
# the actual total batch), the action-aware re-weighting (DAA, the original's
# KAA loss) from epoch 130 on, 100-frame clips.
_base_ = [
    '../../_base_/models/stgcnpp_brl.py',
    '../../_base_/datasets/streams/k400_b.py',
    '../../_base_/schedules/sgd_cosine_150e.py',
    '../../_base_/k400_runtime.py',
]

num_classes = 400
model = dict(
    data_preprocessor=dict(
        blending=dict(num_classes=num_classes, layout='coco')),
    backbone=dict(graph_cfg=dict(layout='coco')),
    cls_head=dict(num_classes=num_classes))
