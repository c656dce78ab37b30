# BRL (ST-GCN++) on NW-UCLA-LT, IF=10, bone motion stream: the joint config
# with the 'bm' loaders (README.md, Configs: streams).
_base_ = './brl_stgcnpp_nwucla-lt10_j.py'

modality = 'bm'
train_dataloader, val_dataloader, test_dataloader = \
    _base_.modality_loaders[modality]
