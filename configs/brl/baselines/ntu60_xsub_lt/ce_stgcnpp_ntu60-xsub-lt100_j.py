# Baseline on NTU60-LT X-Sub, IF=100, joint stream: stock ST-GCN++ with plain
# cross entropy on the data and schedule of the BRL config below: no STAE
# augmentation, no rebalanced mixup, no action-aware loss
# (DetachedScheduleHook only hands the training class counts to
# LongTailMetric). The same lines under another BRL config give its baseline.
_base_ = '../../ntu60_xsub_lt/brl_stgcnpp_ntu60-xsub-lt100_j.py'

model = dict(
    data_preprocessor=dict(_delete_=True, type='ActionDataPreprocessor'),
    cls_head=dict(loss_cls=dict(_delete_=True, type='CrossEntropyLoss')))
train_dataloader = _base_.stock_train_loaders[_base_.modality]
