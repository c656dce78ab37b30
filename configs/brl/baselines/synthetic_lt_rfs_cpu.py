# Baseline of the README's main job with LVIS repeat-factor sampling: the
# cross-entropy baseline synthetic_lt_ce_cpu.py, a class holding a share
# f_c < t of the training samples drawn sqrt(t / f_c) times as often; t = 1/20
# oversamples the classes below the uniform share. An epoch is LVIS's mean
# length, the sum of the repeat factors.
_base_ = './synthetic_lt_ce_cpu.py'

train_dataloader = dict(
    sampler=dict(_delete_=True, type='RepeatFactorSampler', t=1 / 20))
