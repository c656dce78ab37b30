# The COCO-17 2D family: Kinetics-400 skeletons (spec section 0), HRNet
# keypoints with keypoint_score, 400 classes, the natural long tail of the
# `train` split (no subsampling); test on `val`. The pickle must hold the
# keypoints inline (mmaction's skeleton pickle format: keypoint (M, T, 17, 2)
# + keypoint_score). The pipelines and loaders of the joint stream (j); the
# other streams are ./streams/k400_{b,k,jm,bm,km}.py.
# The NTU pipelines (ntu60_xsub_lt_3d.py) in mmaction's 2D conventions:
# PreNormalize2D (pixel coordinates by img_shape), the COCO layout, and BRL's
# K400 clip length of 100 frames. STAE is the same chain as on NTU (2D
# RandomRot: one angle); the released BRL K400 config flips only.
dataset_type = 'LongTailPoseDataset'
ann_file = 'data/skeleton/k400_2d.pkl'
layout = 'coco'
train_split, test_split = 'train', 'val'
num_classes = 400
clip_len = 100  # the pipelines' frames per clip
modality = 'j'  # the stream

# The pipelines: normalisation, (training only) BRL's Spatial-Temporal Action
# Exploration (STAE: random scale, rotation and left/right flip of every
# sample; the rebalanced partial mixup works on batches,
# model.data_preprocessor.blending), the stream's `features`, frame
# sampling, then `tail`. TemporalReverse is available but off, as in the
# released BRL configs. Training uses brl_mm's fast-path stand-ins, each
# bit for bit its stock part: FastUniformSampleFrames = UniformSampleFrames.
# The stream bases ./streams/k400_*.py restate the four
# pipelines with their own `features`.
features = dict(type='GenSkeFeat', dataset='coco', feats=['j'])
stae = [
    dict(type='RandomScale', scale=0.1),
    dict(type='RandomRot', theta=0.3),
    dict(type='SpatialFlip', layout='coco', p=0.5),
]
tail = [
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    # frame_dir names the samples of a bad batch (NonFiniteLossHook) and of
    # --dump files (multi-stream fusion)
    dict(type='PackActionInputs', meta_keys=('frame_dir', )),
]
train_pipeline = [
    dict(type='PreNormalize2D'), *stae, features,
    dict(type='FastUniformSampleFrames', clip_len=100), *tail
]
# the baselines' training pipeline: mmaction2's stock transforms, no STAE
stock_train_pipeline = [
    dict(type='PreNormalize2D'), features,
    dict(type='UniformSampleFrames', clip_len=100), *tail
]
# validation: one clip per sample; test: 10 clips per sample
val_pipeline = [
    dict(type='PreNormalize2D'), features,
    dict(
        type='UniformSampleFrames', clip_len=100, num_clips=1,
        test_mode=True),
    *tail
]
test_pipeline = [
    dict(type='PreNormalize2D'), features,
    dict(
        type='UniformSampleFrames', clip_len=100, num_clips=10,
        test_mode=True),
    *tail
]

# BRL's K400 batch: 64 samples per GPU; 150 epochs over the natural training
# set (RepeatDataset kept, times=1). Workers seeded per epoch (exact
# --resume); compact_collate (fast path: pseudo_collate's batches).
train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=False,
    worker_init_fn=dict(type='epoch_worker_init_fn'),
    collate_fn=dict(type='compact_collate'),
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='RepeatDataset',
        times=1,
        dataset=dict(
            type=dataset_type,
            ann_file=ann_file,
            pipeline=train_pipeline,
            split=train_split,
            layout=layout,
            num_classes=num_classes,
            lt_split_file=None)))
val_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    collate_fn=dict(type='compact_collate'),
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        pipeline=val_pipeline,
        split=test_split,
        layout=layout,
        num_classes=num_classes,
        test_mode=True))
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    collate_fn=dict(type='compact_collate'),
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        pipeline=test_pipeline,
        split=test_split,
        layout=layout,
        num_classes=num_classes,
        test_mode=True))

# LongTailMetric first (save_best='auto' keeps the best lt/top1)
val_evaluator = [dict(type='LongTailMetric'), dict(type='AccMetric')]
test_evaluator = [dict(type='LongTailMetric', plot=True), dict(type='AccMetric')]
