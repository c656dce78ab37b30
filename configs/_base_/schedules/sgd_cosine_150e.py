# BRL's Kinetics-400 schedule: the 24-epoch recipe (SGD + Nesterov, cosine to
# 0) stretched to 150 epochs, lr 0.1 for the reference batch of 4 GPUs x 64
# samples (auto_scale_lr scales it linearly to the actual total batch). The
# DAA switch of this schedule (epoch 130) is in ../k400_runtime.py.
_base_ = './sgd_cosine_24e.py'

train_cfg = dict(max_epochs=150)
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        eta_min=0,
        T_max=150,
        by_epoch=True,
        convert_to_iter_based=True)
]
auto_scale_lr = dict(base_batch_size=256)
