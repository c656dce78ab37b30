# Baseline on NW-UCLA-LT, IF=10, joint stream: the CE baseline with softmax
# focal loss (gamma 2) in the DAA stage 2, cross entropy before (as the
# original TwostageFocalLoss).
_base_ = './ce_stgcnpp_nwucla-lt10_j.py'

model = dict(cls_head=dict(loss_cls=dict(_delete_=True, type='FocalLoss', gamma=2.0)))
