# The CPU demo's schedule (configs/brl/synthetic_lt_cpu.py): 8 epochs, cosine
# to 0, one validation at the end; lr 0.4 for the reference batch of 8 x 16
# samples -> 0.05 for one process with 16 samples (auto_scale_lr). DAA stage 2
# in the last 2 epochs (default_runtime.py: the last 20%).
_base_ = './sgd_cosine_24e.py'

train_cfg = dict(max_epochs=8, val_interval=8)
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        eta_min=0,
        T_max=8,
        by_epoch=True,
        convert_to_iter_based=True)
]
optim_wrapper = dict(optimizer=dict(lr=0.4))
