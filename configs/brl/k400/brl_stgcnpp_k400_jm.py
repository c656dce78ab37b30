# BRL (ST-GCN++) on Kinetics-400 skeletons, joint motion stream: the joint
# config with the 'jm' loaders (README.md, Configs: streams).
_base_ = './brl_stgcnpp_k400_j.py'

modality = 'jm'
train_dataloader, val_dataloader, test_dataloader = \
    _base_.modality_loaders[modality]
