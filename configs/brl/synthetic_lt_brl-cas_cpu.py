# The README's main job (BRL on the synthetic data, synthetic_lt_cpu.py) with
# class-aware sampling: every class equally often per epoch, then its samples
# uniformly (brl_mm.datasets.samplers). Everything else is synthetic_lt_cpu.py.
_base_ = './synthetic_lt_cpu.py'

train_dataloader = dict(sampler=dict(_delete_=True, type='ClassAwareSampler'))
