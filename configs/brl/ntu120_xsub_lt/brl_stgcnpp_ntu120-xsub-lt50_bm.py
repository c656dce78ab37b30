# BRL (ST-GCN++) on NTU120-LT X-Sub, IF=50, bone motion stream: mmaction's
# NTU120 3D pickle (120 classes), the official NTU120_xsub_exp_50 training list
# (n_max 600), test on the full xsub_val split.
_base_ = [
    '../../_base_/models/stgcnpp_brl.py',
    '../../_base_/datasets/streams/ntu_bm.py',
    '../../_base_/schedules/sgd_cosine_24e.py',
    '../../_base_/default_runtime.py',
]

num_classes = 120
ann_file = 'data/skeleton/ntu120_3danno.pkl'
train_split, test_split = 'xsub_train', 'xsub_val'
lt_split_file = 'NTU120_xsub_exp_50'
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
