# NW-UCLA-LT (IF=10, n_max=100), joint stream baseline: BRL's data, schedule
# and runtime (the bases of
# configs/brl/nw_ucla_lt/brl_stgcnpp_nwucla-lt10_j.py) without BRL's parts: no
# STAE (the dataset base's stock_train_pipeline), no rebalanced mixup, balanced
# softmax (logit-adjusted cross entropy, tau 1) throughout instead of the
# action-aware loss. Stock mmaction2 parts: ST-GCN++ with GCNHead
# (models/stgcnpp.py), PreNormalize3D and UniformSampleFrames. From the shared
# bases come compact_collate (the loaders; pseudo_collate's batches, bit for
# bit) and WarmNormalizeCacheHook (default_runtime.py; nothing to warm without
# CachedPreNormalize3D); DetachedScheduleHook hands the training class counts
# to the loss and LongTailMetric and switches the two-stage losses at the DAA
# epoch of BRL.
# mmaction's GenSkeFeat does not know NW-UCLA: the features are brl_mm's
# GenSkeFeatK (the same arrays).
_base_ = [
    '../../../_base_/models/stgcnpp.py',
    '../../../_base_/datasets/nw_ucla_lt_3d.py',
    '../../../_base_/schedules/sgd_cosine_24e.py',
    '../../../_base_/default_runtime.py',
]

num_classes = 10
model = dict(
    backbone=dict(graph_cfg=dict(layout='nw_ucla')),
    cls_head=dict(
        num_classes=num_classes,
        loss_cls=dict(type='BalancedSoftmaxLoss')))
train_dataloader = dict(
    dataset=dict(dataset=dict(pipeline=_base_.stock_train_pipeline)))
