# BRL (ST-GCN++) on NTU60-LT X-View, IF=100, bone stream: the joint config
# with the 'b' loaders (README.md, Configs: streams).
_base_ = './brl_stgcnpp_ntu60-xview-lt100_j.py'

modality = 'b'
train_dataloader, val_dataloader, test_dataloader = \
    _base_.modality_loaders[modality]
