# BRL (ST-GCN++) on NTU120-LT X-Sub, IF=100, joint stream: the headline recipe
# on mmaction's NTU120 3D pickle (data/skeleton/ntu120_3danno.pkl), 120
# classes, official NTU120_xsub_exp_100 list (n_max 600), test on xsub_val.
_base_ = '../ntu60_xsub_lt.py'

num_classes = 120
ann_file = 'data/skeleton/ntu120_3danno.pkl'
model = dict(
    data_preprocessor=dict(blending=dict(num_classes=num_classes)),
    cls_head=dict(num_classes=num_classes))
__data = dict(ann_file=ann_file, num_classes=num_classes)
train_dataloader = dict(
    dataset=dict(dataset=dict(__data, lt_split_file='NTU120_xsub_exp_100')))
val_dataloader = dict(dataset=__data)
test_dataloader = dict(dataset=__data)
