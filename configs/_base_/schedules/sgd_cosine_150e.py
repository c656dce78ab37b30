# BRL's Kinetics-400 schedule: the 24-epoch recipe (SGD + Nesterov, lr 0.1
# for the reference batch, cosine to 0) stretched to 150 epochs.
_base_ = './sgd_cosine_24e.py'

max_epochs = 150
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [dict(_base_.param_scheduler[0], T_max=max_epochs)]
