# BRL (ST-GCN++) on NTU60-LT X-View, IF=100, skip motion stream: the joint
# config with the 'km' loaders (README.md, Configs: streams).
_base_ = './brl_stgcnpp_ntu60-xview-lt100_j.py'

modality = 'km'
train_dataloader, val_dataloader, test_dataloader = \
    _base_.modality_loaders[modality]
