# BRL (ST-GCN++) on NTU60-LT X-View, IF=50, joint stream: the IF=100
# config with the official NTU60_xview_exp_50 list.
_base_ = './brl_stgcnpp_ntu60-xview-lt100_j.py'

train_dataloader = dict(
    dataset=dict(dataset=dict(lt_split_file='NTU60_xview_exp_50')))
