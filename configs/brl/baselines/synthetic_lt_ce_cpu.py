# Baseline of the README's main job: stock ST-GCN++ with plain cross entropy
# (no STAE augmentation, no rebalanced mixup, no action-aware loss), with the
# data, schedule and size of synthetic_lt_cpu.py. DetachedScheduleHook (in
# the runtime) only hands the training class counts to LongTailMetric here.
_base_ = '../synthetic_lt_cpu.py'

model = dict(
    data_preprocessor=dict(_delete_=True, type='ActionDataPreprocessor'),
    cls_head=dict(loss_cls=dict(_delete_=True, type='CrossEntropyLoss')))
train_dataloader = dict(
    dataset=dict(dataset=dict(pipeline={{_base_.stock_train_pipeline}})))
