# Baseline on NTU120-LT X-Set, IF=100, joint stream: the CE baseline with
# balanced softmax (logit-adjusted cross entropy, tau 1) throughout.
_base_ = './ce_stgcnpp_ntu120-xset-lt100_j.py'

model = dict(cls_head=dict(loss_cls=dict(_delete_=True, type='BalancedSoftmaxLoss')))
