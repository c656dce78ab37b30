# ST-GCN++ as in BRL and mmaction2 (spec section 4), with mmaction2's stock
# GCNHead: the model of the baselines. Children set model.cls_head.num_classes
# and, for other skeletons, the graph layout.
model = dict(
    type='RecognizerGCN',
    backbone=dict(
        type='STGCN',
        gcn_adaptive='init',
        gcn_with_res=True,
        tcn_type='mstcn',
        graph_cfg=dict(layout='nturgb+d', mode='spatial')),
    data_preprocessor=dict(type='ActionDataPreprocessor'),
    cls_head=dict(type='GCNHead', num_classes=60, in_channels=256))
