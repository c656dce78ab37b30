# BRL (ST-GCN++) on NTU60-LT X-Sub, IF=100, joint stream, with class-aware
# sampling instead of the shuffled long-tailed epochs: every class equally
# often per epoch, then its samples uniformly (brl_mm.datasets.samplers).
# Everything else is the BRL config of this folder.
_base_ = './brl_stgcnpp_ntu60-xsub-lt100_j.py'

train_dataloader = dict(sampler=dict(_delete_=True, type='ClassAwareSampler'))
