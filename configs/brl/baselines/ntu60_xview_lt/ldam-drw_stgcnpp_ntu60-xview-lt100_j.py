# NTU60-LT X-View, IF=100, joint stream baseline: BRL's data, schedule and
# runtime (the bases of
# configs/brl/ntu60_xview_lt/brl_stgcnpp_ntu60-xview-lt100_j.py) without BRL's
# parts: no STAE (the dataset base's stock_train_pipeline), no rebalanced
# mixup, LDAM-DRW: LDAM margins throughout, class-balanced re-weighting in the
# DAA stage 2 instead of the action-aware loss. Stock mmaction2 parts: ST-GCN++
# with GCNHead (models/stgcnpp.py), PreNormalize3D and UniformSampleFrames.
# From the shared bases come compact_collate (the loaders; pseudo_collate's
# batches, bit for bit) and WarmNormalizeCacheHook (default_runtime.py; nothing
# to warm without CachedPreNormalize3D); DetachedScheduleHook hands the
# training class counts to the loss and LongTailMetric and switches the
# two-stage losses at the DAA epoch of BRL.
_base_ = [
    '../../../_base_/models/stgcnpp.py',
    '../../../_base_/datasets/ntu60_xsub_lt_3d.py',
    '../../../_base_/schedules/sgd_cosine_24e.py',
    '../../../_base_/default_runtime.py',
]

num_classes = 60
ann_file = 'data/skeleton/ntu60_3danno.pkl'
train_split, test_split = 'xview_train', 'xview_val'
lt_split_file = 'NTU60_xview_exp_100'
model = dict(
    cls_head=dict(
        num_classes=num_classes,
        loss_cls=dict(type='LDAMLoss')))
train_dataloader = dict(
    dataset=dict(
        dataset=dict(
            ann_file=ann_file,
            num_classes=num_classes,
            split=train_split,
            lt_split_file=lt_split_file,
            pipeline=_base_.stock_train_pipeline)))
val_dataloader = dict(
    dataset=dict(ann_file=ann_file, num_classes=num_classes, split=test_split))
test_dataloader = dict(
    dataset=dict(ann_file=ann_file, num_classes=num_classes, split=test_split))
