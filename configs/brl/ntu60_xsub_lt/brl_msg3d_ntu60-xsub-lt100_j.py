# BRL on NTU60-LT X-Sub, IF=100, joint stream, with the MS-G3D (brl_mm's
# implementation; mmaction2 1.2.0's wheel lacks it) backbone instead of
# ST-GCN++: same data, STAE, mixup, DAA and schedule; GCNHead in_channels
# 384.
_base_ = './brl_stgcnpp_ntu60-xsub-lt100_j.py'

model = dict(
    backbone=dict(
        _delete_=True,
        type='MSG3D',
        graph_cfg=dict(layout='nturgb+d', mode='binary_adj')),
    cls_head=dict(in_channels=384))
