# Baseline on Kinetics-400 skeletons, joint stream: the CE baseline with
# LDAM-DRW: LDAM margins throughout, class-balanced re-weighting in the DAA
# stage 2.
_base_ = './ce_stgcnpp_k400_j.py'

model = dict(cls_head=dict(loss_cls=dict(_delete_=True, type='LDAMLoss')))
