# Baseline on NTU120-LT X-Set, IF=100, joint stream:
# the cross-entropy baseline of this folder with square-root sampling: a
# class is drawn with probability ~ sqrt(n_c), then one of its samples
# uniformly (ClassPowerSampler, q = 0.5: between the natural epochs, q = 1,
# and class-aware sampling, q = 0). Same epoch length (the 5x-repeated
# training set) and schedule.
_base_ = './ce_stgcnpp_ntu120-xset-lt100_j.py'

train_dataloader = dict(
    sampler=dict(_delete_=True, type='ClassPowerSampler', q=0.5))
