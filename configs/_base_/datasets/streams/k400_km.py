# The skip motion stream (km) of the COCO-17 2D (Kinetics-400) loaders:
# ../k400_lt_2d.py with these features in the train, baseline-train, val and
# test pipelines (each restated whole: a list replaces the base's). brl_mm's
# GenSkeFeatK is mmaction's GenSkeFeat (the same arrays for j / b / jm / bm)
# plus BRL's skip streams k / km.
_base_ = '../k400_lt_2d.py'

modality = 'km'
features = dict(type='GenSkeFeatK', dataset='coco', feats=['km'])
train_pipeline = [
    dict(type='PreNormalize2D'), *_base_.stae, features,
    dict(type='FastUniformSampleFrames', clip_len=100), *_base_.tail
]
stock_train_pipeline = [
    dict(type='PreNormalize2D'), features,
    dict(type='UniformSampleFrames', clip_len=100), *_base_.tail
]
val_pipeline = [
    dict(type='PreNormalize2D'), features,
    dict(
        type='UniformSampleFrames', clip_len=100, num_clips=1,
        test_mode=True),
    *_base_.tail
]
test_pipeline = [
    dict(type='PreNormalize2D'), features,
    dict(
        type='UniformSampleFrames', clip_len=100, num_clips=10,
        test_mode=True),
    *_base_.tail
]
train_dataloader = dict(dataset=dict(dataset=dict(pipeline=train_pipeline)))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
