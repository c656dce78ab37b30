# BRL (ST-GCN++) on NTU120-LT X-Set, IF=100, joint stream: NTU120-LT X-Sub
# with the cross-setup splits and the official NTU120_xset_exp_100 list
# (n_max 400).
_base_ = '../ntu120_xsub_lt/brl_stgcnpp_ntu120-xsub-lt100_j.py'

train_split, test_split = 'xset_train', 'xset_val'
train_dataloader = dict(
    dataset=dict(
        dataset=dict(split=train_split, lt_split_file='NTU120_xset_exp_100')))
val_dataloader = dict(dataset=dict(split=test_split))
test_dataloader = dict(dataset=dict(split=test_split))
