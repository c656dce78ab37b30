# BRL (ST-GCN++) on NW-UCLA-LT, IF=10, bone stream: the joint config with the
# 'b' loaders (README.md, Configs: streams).
_base_ = './brl_stgcnpp_nwucla-lt10_j.py'

modality = 'b'
train_dataloader, val_dataloader, test_dataloader = \
    _base_.modality_loaders[modality]
