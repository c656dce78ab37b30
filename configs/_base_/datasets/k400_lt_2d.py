# Kinetics-400 skeletons (spec section 0): COCO-17 2D HRNet keypoints with
# keypoint_score, 400 classes, the natural long tail of the `train` split
# (no subsampling); test on `val`. The pickle must hold the keypoints inline
# (mmaction's skeleton pickle format: keypoint (M, T, 17, 2) + keypoint_score).
# The NTU pipelines and streams turned to mmaction's 2D conventions:
# PreNormalize2D (pixel coordinates by img_shape) instead of PreNormalize3D,
# the COCO layout for SpatialFlip / features, and BRL's K400 clip length of
# 100 frames. STAE is the same chain as on NTU (2D RandomRot: one angle); the
# released BRL K400 config flips only (no scale / rotation).
_base_ = './ntu60_xsub_lt_3d.py'

ann_file = 'data/skeleton/k400_2d.pkl'
layout = 'coco'
num_classes = 400
clip_len = 100
train_split, test_split = 'train', 'val'
__swaps = {
    'nturgb+d': layout,
    'PreNormalize3D': 'PreNormalize2D',
    'CachedPreNormalize3D': 'PreNormalize2D'
}


def __to_2d(x):  # the swaps and clip_len, wherever they stand in x
    if isinstance(x, (list, tuple)):
        return type(x)(__to_2d(v) for v in x)
    if isinstance(x, dict):
        return {k: clip_len if k == 'clip_len' else __to_2d(v)
                for k, v in x.items()}
    return __swaps.get(x, x) if isinstance(x, str) else x


# Defines the NTU base's layout_entries (train_pipeline, val_pipeline, ...,
# modality_loaders, stock_train_loaders) here, with the swaps applied.
globals().update(
    {k: __to_2d(_base_[k]) for k in _base_.layout_entries})
__data = dict(ann_file=ann_file, layout=layout, num_classes=num_classes)
# 150 epochs over the natural training set (RepeatDataset kept, times=1)
train_dataloader = dict(
    dataset=dict(
        times=1,
        dataset=dict(
            __data,
            pipeline=train_pipeline,
            split=train_split,
            lt_split_file=None)))
val_dataloader = dict(
    dataset=dict(__data, pipeline=val_pipeline, split=test_split))
test_dataloader = dict(
    dataset=dict(__data, pipeline=test_pipeline, split=test_split))
