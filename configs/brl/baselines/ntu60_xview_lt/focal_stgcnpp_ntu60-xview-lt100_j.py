# Baseline on NTU60-LT X-View, IF=100, joint stream: the CE baseline with
# softmax focal loss (gamma 2) in the DAA stage 2, cross entropy before (as
# the original TwostageFocalLoss).
_base_ = './ce_stgcnpp_ntu60-xview-lt100_j.py'

model = dict(cls_head=dict(loss_cls=dict(_delete_=True, type='FocalLoss', gamma=2.0)))
