# Baseline of the README's main job with class-aware sampling: the
# cross-entropy baseline synthetic_lt_ce_cpu.py, each epoch drawing every
# class equally often, then its samples uniformly (brl_mm.datasets.samplers).
# Same epoch length (the training set) and schedule.
_base_ = './synthetic_lt_ce_cpu.py'

train_dataloader = dict(sampler=dict(_delete_=True, type='ClassAwareSampler'))
