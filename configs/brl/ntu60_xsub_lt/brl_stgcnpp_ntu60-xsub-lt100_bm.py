# BRL (ST-GCN++) on NTU60-LT X-Sub, IF=100, bone motion stream: the joint
# config with the 'bm' loaders (README.md, Configs: streams).
_base_ = './brl_stgcnpp_ntu60-xsub-lt100_j.py'

modality = 'bm'
train_dataloader, val_dataloader, test_dataloader = \
    _base_.modality_loaders[modality]
