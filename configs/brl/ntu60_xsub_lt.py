# BRL on NTU60-LT X-Sub, IF=100, joint stream, ST-GCN++ (spec section 4).
# Data: data/skeleton/ntu60_3danno.pkl (mmaction's NTU60 3D skeleton pickle);
# training samples from the official NTU60_xsub_exp_100 list (7,892 samples,
# 600 .. 6 per class); test on the full xsub_val split.
# Launch: tools/dist_train.sh configs/brl/ntu60_xsub_lt.py 8
# (lr 0.1 for 8x16, scaled linearly to other total batch sizes).
_base_ = [
    '../_base_/models/stgcnpp_brl.py',
    '../_base_/datasets/ntu60_xsub_lt_3d.py',
    '../_base_/schedules/sgd_cosine_24e.py',
    '../_base_/default_runtime.py',
]

num_classes = 60
ann_file = 'data/skeleton/ntu60_3danno.pkl'
train_split, test_split = 'xsub_train', 'xsub_val'
lt_split_file = 'NTU60_xsub_exp_100'
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
