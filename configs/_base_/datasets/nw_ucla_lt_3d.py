# NW-UCLA-LT (spec section 0): the NW-UCLA pickle of tools/data/nw_ucla_to_pkl.py
# (Kinect v1, 20 joints, 3D; views 1 and 2 train, view 3 val), 10 classes.
# The long-tailed training set is drawn from the `train` split with BRL's
# profile n_c = int(n_max * IF ** (-c / (C - 1))), IF=10, n_max=100 (drawn
# with lt_seed; there is no published list). Test: the full `val` split.
# The NTU pipelines and streams with the NW-UCLA layout.
_base_ = './ntu60_xsub_lt_3d.py'

ann_file = 'data/skeleton/nw_ucla_3danno.pkl'
layout = 'nw_ucla'
num_classes = 10
train_split, test_split = 'train', 'val'
imbalance_factor, n_max = 10, 100


# mmaction's GenSkeFeat does not know NW-UCLA; GenSkeFeatK does
__swaps = {'nturgb+d': layout, 'GenSkeFeat': 'GenSkeFeatK'}


def __on_layout(x):  # the swaps, wherever they stand in x
    if isinstance(x, (list, tuple)):
        return type(x)(__on_layout(v) for v in x)
    if isinstance(x, dict):
        return {k: __on_layout(v) for k, v in x.items()}
    return __swaps.get(x, x) if isinstance(x, str) else x


# Defines the NTU base's layout_entries (train_pipeline, val_pipeline, ...,
# modality_loaders, stock_train_loaders) here, with the swaps applied.
globals().update(
    {k: __on_layout(_base_[k]) for k in _base_.layout_entries})
__data = dict(ann_file=ann_file, layout=layout, num_classes=num_classes)
train_dataloader = dict(
    dataset=dict(
        dataset=dict(
            __data,
            pipeline=train_pipeline,
            split=train_split,
            lt_split_file=None,
            imbalance_factor=imbalance_factor,
            n_max=n_max)))
val_dataloader = dict(
    dataset=dict(__data, pipeline=val_pipeline, split=test_split))
test_dataloader = dict(
    dataset=dict(__data, pipeline=test_pipeline, split=test_split))
