# The synthetic loaders (./synthetic_lt_3d.py) sized for two CPU cores (the
# README's demo, configs/brl/synthetic_lt_cpu.py): one pass over the training
# set per epoch, loading in the main process (faster on 2 cores than a worker
# competing with torch's threads), and single-clip testing (the val pipeline,
# 16 samples a batch).
_base_ = './synthetic_lt_3d.py'

train_dataloader = dict(
    num_workers=0, persistent_workers=False, dataset=dict(times=1))
val_dataloader = dict(num_workers=0, persistent_workers=False)
test_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(pipeline=_base_.val_pipeline))
