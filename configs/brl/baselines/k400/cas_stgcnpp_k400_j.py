# Baseline on the Kinetics-400 skeletons (natural long tail), joint stream:
# the cross-entropy baseline of this folder with class-aware sampling (every
# class equally often per epoch, then its samples uniformly;
# brl_mm.datasets.samplers). Same epoch length (the training set once) and
# schedule.
_base_ = './ce_stgcnpp_k400_j.py'

train_dataloader = dict(sampler=dict(_delete_=True, type='ClassAwareSampler'))
