# BRL on NTU60-LT X-Sub, IF=100, joint stream, with the AAGCN (mmaction2)
# backbone instead of ST-GCN++: same data, STAE, mixup, DAA and schedule;
# GCNHead in_channels 256.
_base_ = './brl_stgcnpp_ntu60-xsub-lt100_j.py'

model = dict(
    backbone=dict(
        _delete_=True,
        type='AAGCN',
        graph_cfg=dict(layout='nturgb+d', mode='spatial')),
    cls_head=dict(in_channels=256))
