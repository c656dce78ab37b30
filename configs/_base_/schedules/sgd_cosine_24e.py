# BRL's schedule (spec section 4): SGD + Nesterov, cosine to 0 over 24 epochs of
# a 5x repeated training set. The learning rate is given for the reference
# batch of 8 GPUs x 16 samples (0.1); auto_scale_lr scales it linearly to the
# actual total batch (0.0125 on one GPU with 16 samples).
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=24, val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        eta_min=0,
        T_max=24,
        by_epoch=True,
        convert_to_iter_based=True)
]

optim_wrapper = dict(
    optimizer=dict(
        type='SGD', lr=0.1, momentum=0.9, weight_decay=0.0005, nesterov=True))

auto_scale_lr = dict(enable=True, base_batch_size=128)
