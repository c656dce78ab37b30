# BRL (ST-GCN++) on NTU60-LT X-View, IF=100, joint stream: the headline
# recipe with the cross-view splits and the official NTU60_xview_exp_100 list.
_base_ = '../ntu60_xsub_lt.py'

train_split, test_split = 'xview_train', 'xview_val'
train_dataloader = dict(
    dataset=dict(
        dataset=dict(split=train_split, lt_split_file='NTU60_xview_exp_100')))
val_dataloader = dict(dataset=dict(split=test_split))
test_dataloader = dict(dataset=dict(split=test_split))
