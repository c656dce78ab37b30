# Runtime shared by every brl-mm config: mmaction's scope, brl_mm's components,
# hooks, logging and the distributed backend (tools/train.py switches nccl to
# gloo on machines without CUDA).
default_scope = 'mmaction'
custom_imports = dict(imports=['brl_mm'], allow_failed_imports=False)

default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20, ignore_last=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='AtomicCheckpointHook', interval=1, save_best='auto', max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    sync_buffers=dict(type='SyncBuffersHook'))

# - DetachedScheduleHook: training class counts to the mixup, the losses and
#   LongTailMetric; BRL's two-stage switch (last 20% of the epochs).
# - EpochSeedHook: reseeds every RNG from (seed, epoch), so --resume repeats
#   an uninterrupted run exactly.
# - NonFiniteLossHook: stops on a NaN/inf loss before a checkpoint is written,
#   naming the iteration, the samples and the last good checkpoint.
# - WarmNormalizeCacheHook: normalizes every training sample once in the main
#   process (CachedPreNormalize3D), so the loader workers, restarted every
#   epoch, inherit the cache instead of recomputing it.
custom_hooks = [
    dict(type='DetachedScheduleHook', switch_epoch=0.8),
    dict(type='EpochSeedHook'),
    dict(type='NonFiniteLossHook'),
    dict(type='WarmNormalizeCacheHook'),
]

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))

log_processor = dict(type='LogProcessor', window_size=20, by_epoch=True)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='ActionVisualizer', vis_backends=vis_backends)

log_level = 'INFO'
load_from = None
resume = False
