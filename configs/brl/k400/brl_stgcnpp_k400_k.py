# BRL (ST-GCN++) on Kinetics-400 skeletons, skip (skip-modal) stream: the
# joint config with the 'k' loaders (README.md, Configs: streams).
_base_ = './brl_stgcnpp_k400_j.py'

modality = 'k'
train_dataloader, val_dataloader, test_dataloader = \
    _base_.modality_loaders[modality]
