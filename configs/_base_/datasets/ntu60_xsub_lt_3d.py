# NTU RGB+D 60 X-Sub, long-tailed (IF=100 official list), 3D joints.
# The training set is the official NTU60-LT sample list shipped with brl_mm;
# the test set is the untouched xsub_val split.
dataset_type = 'LongTailPoseDataset'
ann_file = 'data/skeleton/ntu60_3danno.pkl'
layout = 'nturgb+d'
lt_split_file = 'NTU60_xsub_exp_100'
train_split, test_split = 'xsub_train', 'xsub_val'
num_classes = 60
clip_len = 64
feats = ['j']

# BRL's Spatial-Temporal Action Exploration (STAE) augments every training
# sample after normalisation; the rebalanced partial mixup works on batches
# (model.data_preprocessor.blending). TemporalReverse is available but off, as
# in the released BRL configs. Baselines train on `stock_train_pipeline`.
stae_transforms = [
    dict(type='RandomScale', scale=0.1),
    dict(type='RandomRot', theta=0.3),
    dict(type='SpatialFlip', layout=layout, p=0.5),
]
train_sampling = [
    dict(type='GenSkeFeat', dataset=layout, feats=feats),
    dict(type='FastUniformSampleFrames', clip_len=clip_len),  # = stock, faster
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    # frame_dir lets NonFiniteLossHook name the samples of a bad batch
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]
# CachedPreNormalize3D = stock PreNormalize3D bit for bit, vectorized and
# cached per sample (add cache_dir='...' for a disk cache shared by workers,
# runs and streams)
train_pipeline = [dict(type='CachedPreNormalize3D')
                  ] + stae_transforms + train_sampling
stock_train_pipeline = [dict(type='PreNormalize3D')] + train_sampling
eval_tail = [
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    # frame_dir identifies each sample in --dump files (multi-stream fusion)
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]
val_pipeline = [
    dict(type='PreNormalize3D'),
    dict(type='GenSkeFeat', dataset=layout, feats=feats),
    dict(
        type='UniformSampleFrames',
        clip_len=clip_len,
        num_clips=1,
        test_mode=True),
] + eval_tail
test_pipeline = [
    dict(type='PreNormalize3D'),
    dict(type='GenSkeFeat', dataset=layout, feats=feats),
    dict(
        type='UniformSampleFrames',
        clip_len=clip_len,
        num_clips=10,
        test_mode=True),
] + eval_tail

# Workers restart every epoch and are seeded from (seed, epoch, rank, worker):
# with EpochSeedHook this makes --resume exact. compact_collate = mmengine's
# pseudo_collate whose batches leave a worker as one tensor (not one
# shared-memory segment per sample tensor).
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
    val_dataloader,
    batch_size=1,
    dataset=dict(val_dataloader['dataset'], pipeline=test_pipeline))

# LongTailMetric first: save_best='auto' keeps the checkpoint with the best
# lt/top1. It gets the training class counts from DetachedScheduleHook and
# writes per-class accuracy (CSV/JSON, and a plot when testing) to the log dir.
val_evaluator = [dict(type='LongTailMetric'), dict(type='AccMetric')]
test_evaluator = [dict(type='LongTailMetric', plot=True), dict(type='AccMetric')]

# Streams (modalities). A base's variables are fixed when the base is loaded:
# a child that only sets `feats = ['b']` would still train on joints. So the
# loaders of every stream are built here, and a stream config picks one:
#   modality = 'b'
#   train_dataloader, val_dataloader, test_dataloader = \
#       _base_.modality_loaders[modality]
# `stock_train_loaders[modality]` trains without STAE (the baselines). The
# features come from brl_mm's GenSkeFeatK: mmaction's GenSkeFeat plus the
# skip-modal k / km (identical arrays for j / b / jm / bm).
modality = 'j'
modalities = ('j', 'b', 'k', 'jm', 'bm', 'km')


def __stream(pipeline, m):  # dropped from the config (a function)
    return [
        dict(t, type='GenSkeFeatK', feats=[m])
        if t['type'] in ('GenSkeFeat', 'GenSkeFeatK') else dict(t)
        for t in pipeline
    ]


modality_loaders = {
    m: (dict(dataset=dict(dataset=dict(pipeline=__stream(train_pipeline, m)))),
        dict(dataset=dict(pipeline=__stream(val_pipeline, m))),
        dict(dataset=dict(pipeline=__stream(test_pipeline, m))))
    for m in modalities
}
stock_train_loaders = {
    m: dict(dataset=dict(dataset=dict(
        pipeline=__stream(stock_train_pipeline, m))))
    for m in modalities
}
# What depends on the skeleton layout and the coordinates: the datasets of
# other skeletons (nw_ucla_lt_3d.py, k400_lt_2d.py) re-derive these entries.
layout_entries = ('stae_transforms', 'train_sampling', 'train_pipeline',
                  'stock_train_pipeline', 'val_pipeline', 'test_pipeline',
                  'modality_loaders', 'stock_train_loaders')
