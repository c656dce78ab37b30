# BRL on NTU60-LT X-Sub, IF=100, joint stream, with the AAGCN (mmaction2)
# backbone instead of ST-GCN++: same data, STAE, mixup, DAA and schedule;
# GCNHead in_channels 256.
_base_ = [
    '../../_base_/models/stgcnpp_brl.py',
    '../../_base_/datasets/ntu60_xsub_lt_3d.py',
    '../../_base_/schedules/sgd_cosine_24e.py',
    '../../_base_/default_runtime.py',
]

num_classes = 60
ann_file = 'data/skeleton/ntu60_3danno.pkl'
train_split, test_split = 'xsub_train', 'xsub_val'
lt_split_file = 'NTU60_xsub_exp_100'
model = dict(
    data_preprocessor=dict(blending=dict(num_classes=num_classes)),
    # _delete_: this backbone replaces ST-GCN++'s instead of merging into it
    backbone=dict(
        _delete_=True,
        type='AAGCN',
        graph_cfg=dict(layout='nturgb+d', mode='spatial')),
    cls_head=dict(num_classes=num_classes, in_channels=256))
train_dataloader = dict(
    dataset=dict(
        dataset=dict(
            ann_file=ann_file,
            num_classes=num_classes,
            split=train_split,
            lt_split_file=lt_split_file)))
val_dataloader = dict(
    dataset=dict(ann_file=ann_file, num_classes=num_classes, split=test_split))
test_dataloader = dict(
    dataset=dict(ann_file=ann_file, num_classes=num_classes, split=test_split))
