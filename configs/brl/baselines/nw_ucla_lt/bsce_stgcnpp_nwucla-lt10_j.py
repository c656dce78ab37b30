# Baseline on NW-UCLA-LT, IF=10, joint stream: the CE baseline with balanced
# softmax (logit-adjusted cross entropy, tau 1) throughout.
_base_ = './ce_stgcnpp_nwucla-lt10_j.py'

model = dict(cls_head=dict(loss_cls=dict(_delete_=True, type='BalancedSoftmaxLoss')))
