# Kinetics-400 skeletons (COCO-17 2D, natural long tail), joint stream
# baseline: BRL's data, schedule and runtime (the bases of
# configs/brl/k400/brl_stgcnpp_k400_j.py) without BRL's parts: no STAE (the
# dataset base's stock_train_pipeline), no rebalanced mixup, plain cross
# entropy instead of the action-aware loss. Stock mmaction2 parts: ST-GCN++
# with GCNHead (models/stgcnpp.py), PreNormalize2D and UniformSampleFrames.
# From the shared bases come compact_collate (the loaders; pseudo_collate's
# batches, bit for bit) and WarmNormalizeCacheHook (default_runtime.py; nothing
# to warm without CachedPreNormalize3D); DetachedScheduleHook hands the
# training class counts to the loss and LongTailMetric and switches the
# two-stage losses at the DAA epoch of BRL.
_base_ = [
    '../../../_base_/models/stgcnpp.py',
    '../../../_base_/datasets/k400_lt_2d.py',
    '../../../_base_/schedules/sgd_cosine_150e.py',
    '../../../_base_/k400_runtime.py',
]

num_classes = 400
model = dict(
    backbone=dict(graph_cfg=dict(layout='coco')),
    cls_head=dict(
        num_classes=num_classes,
        loss_cls=dict(type='CrossEntropyLoss')))
train_dataloader = dict(
    dataset=dict(dataset=dict(pipeline=_base_.stock_train_pipeline)))
