# Baseline on NTU120-LT X-Set, IF=100, joint stream: the cross-entropy baseline
# of this folder with LVIS repeat-factor sampling: a class holding a share
# f_c < t of the training samples is drawn sqrt(t / f_c) times as often.
# t = 1/120 (1/K, the uniform share) oversamples the classes below it.
# An epoch is LVIS's mean length, the sum of the repeat factors over
# the 5x-repeated training set.
_base_ = './ce_stgcnpp_ntu120-xset-lt100_j.py'

train_dataloader = dict(
    sampler=dict(_delete_=True, type='RepeatFactorSampler', t=1 / 120))
