# ST-GCN++ with BRL's batch- and loss-level parts, which travel together:
# - the rebalanced partial mixup (STAE) as the data preprocessor's blending,
# - the action-aware loss (DAA): plain CE in stage 1, re-weighted CE in stage 2,
# - DetachedScheduleHook (in default_runtime.py): hands both the training
#   class counts and switches to stage 2 for the last 20% of the epochs
#   (epoch 19 of 24, as BRL).
# The head is SyncFreeGCNHead, a fast-path stand-in: mmaction's GCNHead (same
# weights and loss) minus its per-step host sync.
# Children set num_classes in the head and the blending (and the layout of
# the blending and the graph for other skeletons).
_base_ = './stgcnpp.py'

model = dict(
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        blending=dict(
            type='RebalancedPartialMix', num_classes=60, layout='nturgb+d')),
    cls_head=dict(
        type='SyncFreeGCNHead', loss_cls=dict(type='ActionAwareLoss')))
