# BRL (ST-GCN++) on NTU120-LT X-Set, IF=10, joint motion stream: the IF=100
# config with the official NTU120_xset_exp_10 list.
_base_ = './brl_stgcnpp_ntu120-xset-lt100_jm.py'

train_dataloader = dict(
    dataset=dict(dataset=dict(lt_split_file='NTU120_xset_exp_10')))
