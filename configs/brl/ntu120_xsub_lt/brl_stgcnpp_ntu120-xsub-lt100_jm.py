# BRL (ST-GCN++) on NTU120-LT X-Sub, IF=100, joint motion stream: the joint
# config with the 'jm' loaders (README.md, Configs: streams).
_base_ = './brl_stgcnpp_ntu120-xsub-lt100_j.py'

modality = 'jm'
train_dataloader, val_dataloader, test_dataloader = \
    _base_.modality_loaders[modality]
