# Baseline on NW-UCLA-LT, IF=10, joint stream: the cross-entropy baseline
# of this folder with class-aware sampling (every class equally often per
# epoch, then its samples uniformly; brl_mm.datasets.samplers). Same epoch
# length (the 5x-repeated training set) and schedule.
_base_ = './ce_stgcnpp_nwucla-lt10_j.py'

train_dataloader = dict(sampler=dict(_delete_=True, type='ClassAwareSampler'))
