# The skip motion stream (km) of the NTU-25 3D loaders: ../ntu60_xsub_lt_3d.py
# with these features in the train, baseline-train, val and test pipelines
# (each restated whole: a list replaces the base's). brl_mm's GenSkeFeatK is
# mmaction's GenSkeFeat (the same arrays for j / b / jm / bm) plus BRL's skip
# streams k / km.
_base_ = '../ntu60_xsub_lt_3d.py'

modality = 'km'
features = dict(type='GenSkeFeatK', dataset='nturgb+d', feats=['km'])
train_pipeline = [
    dict(type='CachedPreNormalize3D'), *_base_.stae, features,
    dict(type='FastUniformSampleFrames', clip_len=64), *_base_.tail
]
stock_train_pipeline = [
    dict(type='PreNormalize3D'), features,
    dict(type='UniformSampleFrames', clip_len=64), *_base_.tail
]
val_pipeline = [
    dict(type='PreNormalize3D'), features,
    dict(
        type='UniformSampleFrames', clip_len=64, num_clips=1,
        test_mode=True),
    *_base_.tail
]
test_pipeline = [
    dict(type='PreNormalize3D'), features,
    dict(
        type='UniformSampleFrames', clip_len=64, num_clips=10,
        test_mode=True),
    *_base_.tail
]
train_dataloader = dict(dataset=dict(dataset=dict(pipeline=train_pipeline)))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
