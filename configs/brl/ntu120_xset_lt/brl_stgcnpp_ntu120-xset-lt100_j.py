# BRL (ST-GCN++) on NTU120-LT X-Set, IF=100, joint stream: mmaction's NTU120 3D
# pickle (120 classes), the official NTU120_xset_exp_100 training list (n_max
# 400), test on the full xset_val split.
_base_ = [
    '../../_base_/models/stgcnpp_brl.py',
    '../../_base_/datasets/ntu60_xsub_lt_3d.py',
    '../../_base_/schedules/sgd_cosine_24e.py',
    '../../_base_/default_runtime.py',
]

num_classes = 120
ann_file = 'data/skeleton/ntu120_3danno.pkl'
train_split, test_split = 'xset_train', 'xset_val'
lt_split_file = 'NTU120_xset_exp_100'
model = dict(
    data_preprocessor=dict(blending=dict(num_classes=num_classes)),
    cls_head=dict(num_classes=num_classes))
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
