# BRL (ST-GCN++) on NTU60-LT X-Sub, IF=10, bone stream: the IF=100
# config with the official NTU60_xsub_exp_10 list.
_base_ = './brl_stgcnpp_ntu60-xsub-lt100_b.py'

train_dataloader = dict(
    dataset=dict(dataset=dict(lt_split_file='NTU60_xsub_exp_10')))
