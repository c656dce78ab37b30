# Baseline on Kinetics-400 skeletons, joint stream: the CE baseline with
# balanced softmax (logit-adjusted cross entropy, tau 1) throughout.
_base_ = './ce_stgcnpp_k400_j.py'

model = dict(cls_head=dict(loss_cls=dict(_delete_=True, type='BalancedSoftmaxLoss')))
