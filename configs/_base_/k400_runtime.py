# default_runtime.py with BRL's Kinetics-400 DAA switch: the action-aware
# re-weighting (stage 2) from epoch 130 of 150 (the released config), not at
# 80% of the epochs. The other hooks as in default_runtime.py.
_base_ = './default_runtime.py'

custom_hooks = [
    dict(type='DetachedScheduleHook', switch_epoch=130),
    dict(type='EpochSeedHook'),
    dict(type='NonFiniteLossHook'),
    dict(type='WarmNormalizeCacheHook'),
]
