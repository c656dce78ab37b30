# The README's main job (bash tools/run_demo.sh): BRL on the synthetic data,
# sized for two CPU cores (about 6 minutes). Same data, pipeline and ST-GCN++
# architecture as synthetic_lt.py with half the channel width, 8 epochs over
# the training set instead of 24 over a 5x repeat (DAA stage 2 in the last 2),
# one validation at the end, and single-clip testing.
_base_ = './synthetic_lt.py'

model = dict(backbone=dict(base_channels=32), cls_head=dict(in_channels=128))

max_epochs = 8
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        eta_min=0,
        T_max=max_epochs,
        by_epoch=True,
        convert_to_iter_based=True)
]
# lr 0.4 for 8x16 -> 0.05 for one process with 16 samples (auto_scale_lr)
optim_wrapper = dict(optimizer=dict(lr=0.4))

# On 2 cores, loading in the main process is faster than a worker competing
# with torch's threads.
train_dataloader = dict(
    num_workers=0, persistent_workers=False, dataset=dict(times=1))
val_dataloader = dict(num_workers=0, persistent_workers=False)
test_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(pipeline={{_base_.val_pipeline}}))
