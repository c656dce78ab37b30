# BRL (ST-GCN++) on NTU120-LT X-Sub, IF=10, joint stream: the IF=100
# config with the official NTU120_xsub_exp_10 list.
_base_ = './brl_stgcnpp_ntu120-xsub-lt100_j.py'

train_dataloader = dict(
    dataset=dict(dataset=dict(lt_split_file='NTU120_xsub_exp_10')))
