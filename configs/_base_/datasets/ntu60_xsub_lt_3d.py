# The NTU-25 3D family (NTU RGB+D 60 / 120, 25 Kinect v2 joints, xyz): the
# pipelines and loaders of the joint stream (j), on NTU60-LT X-Sub, IF=100.
# The training set is the official NTU60-LT sample list shipped with brl_mm;
# the test set is the untouched xsub_val split. A benchmark config changes the
# data fields (pickle, splits, sample list, classes); the other streams are
# ./streams/ntu_{b,k,jm,bm,km}.py.
dataset_type = 'LongTailPoseDataset'
ann_file = 'data/skeleton/ntu60_3danno.pkl'
layout = 'nturgb+d'
lt_split_file = 'NTU60_xsub_exp_100'
train_split, test_split = 'xsub_train', 'xsub_val'
num_classes = 60
clip_len = 64  # the pipelines' frames per clip (read by benchmarks/)
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
# UniformSampleFrames. The stream bases ./streams/ntu_*.py restate the four
# pipelines with their own `features`.
features = dict(type='GenSkeFeat', dataset='nturgb+d', feats=['j'])
stae = [
    dict(type='RandomScale', scale=0.1),
    dict(type='RandomRot', theta=0.3),
    dict(type='SpatialFlip', layout='nturgb+d', p=0.5),
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

# 5 passes over the training set per epoch (RepeatDataset). Workers restart
# every epoch and are seeded from (seed, epoch, rank, worker): with
# EpochSeedHook this makes --resume exact. compact_collate (fast path) =
# mmengine's pseudo_collate whose batches leave a worker as one tensor (not
# one shared-memory segment per sample tensor).
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
            lt_split_file=lt_split_file)))
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
# the test set is the validation split, tested with 10 clips per sample
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

# LongTailMetric first: save_best='auto' keeps the checkpoint with the best
# lt/top1. It gets the training class counts from DetachedScheduleHook and
# writes per-class accuracy (CSV/JSON, and a plot when testing) to the log dir.
val_evaluator = [dict(type='LongTailMetric'), dict(type='AccMetric')]
test_evaluator = [dict(type='LongTailMetric', plot=True), dict(type='AccMetric')]
