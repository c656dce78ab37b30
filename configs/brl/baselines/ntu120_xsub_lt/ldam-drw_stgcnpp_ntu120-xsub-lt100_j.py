# Baseline on NTU120-LT X-Sub, IF=100, joint stream: the CE baseline with
# LDAM-DRW: LDAM margins throughout, class-balanced re-weighting in the DAA
# stage 2.
_base_ = './ce_stgcnpp_ntu120-xsub-lt100_j.py'

model = dict(cls_head=dict(loss_cls=dict(_delete_=True, type='LDAMLoss')))
