# Baseline on NW-UCLA-LT, IF=10, joint stream: the CE baseline with
# class-balanced cross entropy (CB, beta 0.9999), re-weighted in the DAA
# stage 2 (DRW style, as the original TwostageCBLoss).
_base_ = './ce_stgcnpp_nwucla-lt10_j.py'

model = dict(cls_head=dict(loss_cls=dict(_delete_=True, type='ClassBalancedLoss', beta=0.9999)))
