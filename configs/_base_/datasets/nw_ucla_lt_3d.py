# The NW-UCLA-20 3D family (Kinect v1, 20 joints, xyz): the pipelines and
# loaders of the joint stream (j) on NW-UCLA-LT (spec section 0). Data: the
# pickle of tools/data/nw_ucla_to_pkl.py (views 1 and 2 train, view 3 val),
# 10 classes. The long-tailed training set is drawn from the `train` split with
# BRL's profile n_c = int(n_max * IF ** (-c / (C - 1))), IF=10, n_max=100
# (drawn with lt_seed; there is no published list). Test: the full `val`
# split. The other streams are ./streams/nw_ucla_{b,k,jm,bm,km}.py.
# The NTU pipelines (ntu60_xsub_lt_3d.py) on the NW-UCLA layout; mmaction's
# GenSkeFeat does not know NW-UCLA, brl_mm's GenSkeFeatK (the same features)
# does.
dataset_type = 'LongTailPoseDataset'
ann_file = 'data/skeleton/nw_ucla_3danno.pkl'
layout = 'nw_ucla'
train_split, test_split = 'train', 'val'
imbalance_factor, n_max = 10, 100
num_classes = 10
clip_len = 64  # the pipelines' frames per clip
modality = 'j'  # the stream

# The pipelines: normalisation, (training only) BRL's Spatial-Temporal Action
# Exploration (STAE: random scale, rotation and left/right flip of every
# sample; the rebalanced partial mixup works on batches,
# model.data_preprocessor.blending), the stream's `features`, frame
# sampling, then `tail`. TemporalReverse is available but off, as in the
# released BRL configs. Training uses brl_mm's fast-path stand-ins, each
# bit for bit its stock part: CachedPreNormalize3D = PreNormalize3D,
# vectorized and cached per sample (cache_dir='...' adds a disk cache shared
# by workers, runs and streams), FastUniformSampleFrames =
# UniformSampleFrames. The stream bases ./streams/nw_ucla_*.py restate the four
# pipelines with their own `features`.
features = dict(type='GenSkeFeatK', dataset='nw_ucla', feats=['j'])
stae = [
    dict(type='RandomScale', scale=0.1),
    dict(type='RandomRot', theta=0.3),
    dict(type='SpatialFlip', layout='nw_ucla', p=0.5),
]
tail = [
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    # frame_dir names the samples of a bad batch (NonFiniteLossHook) and of
    # --dump files (multi-stream fusion)
    dict(type='PackActionInputs', meta_keys=('frame_dir', )),
]
train_pipeline = [
    dict(type='CachedPreNormalize3D'), *stae, features,
    dict(type='FastUniformSampleFrames', clip_len=64), *tail
]
# the baselines' training pipeline: mmaction2's stock transforms, no STAE
stock_train_pipeline = [
    dict(type='PreNormalize3D'), features,
    dict(type='UniformSampleFrames', clip_len=64), *tail
]
# validation: one clip per sample; test: 10 clips per sample
val_pipeline = [
    dict(type='PreNormalize3D'), features,
    dict(
        type='UniformSampleFrames', clip_len=64, num_clips=1,
        test_mode=True),
    *tail
]
test_pipeline = [
    dict(type='PreNormalize3D'), features,
    dict(
        type='UniformSampleFrames', clip_len=64, num_clips=10,
        test_mode=True),
    *tail
]

# As on NTU: 5 passes per epoch, workers seeded per epoch (exact --resume),
# compact_collate (fast path: pseudo_collate's batches, one tensor per batch).
train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=False,
    worker_init_fn=dict(type='epoch_worker_init_fn'),
    collate_fn=dict(type='compact_collate'),
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='RepeatDataset',
        times=5,
        dataset=dict(
            type=dataset_type,
            ann_file=ann_file,
            pipeline=train_pipeline,
            split=train_split,
            layout=layout,
            num_classes=num_classes,
            lt_split_file=None,
            imbalance_factor=imbalance_factor,
            n_max=n_max)))
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
