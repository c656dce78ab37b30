# Baseline of the README's main job: stock ST-GCN++ (mmaction2's GCNHead) with
# plain cross entropy on the data, schedule and size of ../synthetic_lt_cpu.py
# (the same bases): no STAE (the dataset base's stock_train_pipeline:
# PreNormalize3D, UniformSampleFrames), no rebalanced mixup, no action-aware
# loss. From the shared bases come compact_collate (pseudo_collate's batches,
# bit for bit) and WarmNormalizeCacheHook (nothing to warm without
# CachedPreNormalize3D); DetachedScheduleHook only hands the training class
# counts to LongTailMetric here.
_base_ = [
    '../../_base_/models/stgcnpp.py',
    '../../_base_/datasets/synthetic_lt_3d_cpu.py',
    '../../_base_/schedules/sgd_cosine_8e.py',
    '../../_base_/default_runtime.py',
]

num_classes = 20
model = dict(
    backbone=dict(base_channels=32),  # half width: 128 channels out
    cls_head=dict(
        num_classes=num_classes,
        in_channels=128,
        loss_cls=dict(type='CrossEntropyLoss')))
train_dataloader = dict(
    dataset=dict(dataset=dict(pipeline=_base_.stock_train_pipeline)))
