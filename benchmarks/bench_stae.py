"""Speed of BRL's STAE next to stock mmaction2 ST-GCN++ (issue 4).

Measures, side by side in one run:

1. the rebalanced partial mixup (:class:`brl_mm.models.RebalancedPartialMix`)
   per call, next to one stock mmaction2 ST-GCN++ training step
   (``model.train_step``: preprocessor, forward, loss, backward, SGD step) at
   batch 16 and 128 on NTU shapes ``(B, 1, 2, 64, 25, 3)``, as a ratio; and
   the original BRL per-sample Python-loop mixup (our re-implementation of
   its behaviour, see :func:`original_brl_rebalance_mix_up`) for comparison;
2. the per-sample time of the augmenting pipeline (PreNormalize3D ->
   RandomScale -> RandomRot -> SpatialFlip -> GenSkeFeat ->
   UniformSampleFrames(64) -> PoseDecode -> FormatGCNInput ->
   PackActionInputs) vs the stock pipeline (the same without the three BRL
   transforms) on NTU-shaped samples (T uniform in 30..300, 1 or 2 persons).

Runs on CUDA when available (``--device cuda``), else CPU. On 2 CPU cores
the defaults take about a minute.

Usage::

    python benchmarks/bench_stae.py [--device cpu|cuda] [--threads N]
"""
import argparse
import random
import time
from typing import Dict, List, Sequence, Tuple

import numpy as np
import torch

from _common import (CLIP_LEN, NTU60_LT_COUNTS, NUM_CLASSES,
                     build_pipeline, build_stock_model,
                     environment_header, make_batch, make_ntu_like_samples)
from _common import median_ms as _ms
from _common import time_calls as _time_calls
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.optim import OptimWrapper

from brl_mm.layouts import get_layout


# -------------------------------------- the original BRL mixup (reference)
def original_brl_rebalance_mix_up(keypoint: torch.Tensor, label: torch.Tensor,
                                  num_per_cls: List[int],
                                  upper_body: List[int], lower_body: List[int],
                                  ratio: float, alpha: float, im_k: float):
    """ORIGINAL BRL BEHAVIOUR, re-implemented for timing only (not used by
    brl_mm): the per-sample, per-frame Python loop of BRL's
    ``rebalance_mix_up`` as described in the spec's known deviations 1-3.

    ``keypoint`` is ``(B, M, T, V, C)`` (the original drops ``nc``), mixed in
    place; Python's ``random`` picks samples and partners; the partner list
    aliases the list being iterated; joints are concatenated [upper, lower]
    and written back to positions 0..V-1 frame by frame; one alpha (of the
    last pair) is returned for the whole batch; class counts are looked up
    with tensor labels (a host sync per lookup on GPU).
    """
    data_list = list(range(keypoint.shape[0]))
    choose_data = random.sample(data_list, int(ratio * len(data_list)))
    label_b = label.clone()
    mix_alpha = 0
    for idx in data_list:
        if idx in choose_data:
            new_list = data_list  # aliases data_list (deviation 3)
            while idx in new_list:
                new_list.remove(idx)
            partner = random.choice(new_list)
            for frame in range(keypoint.shape[2]):
                own_upper = keypoint[idx, :, frame, upper_body, :]
                partner_lower = keypoint[partner, :, frame, lower_body, :]
                keypoint[idx, :, frame, :, :] = torch.cat(
                    (own_upper, partner_lower), dim=1)  # deviation 1
            label_b[idx] = label[partner]
            n_own = num_per_cls[label[idx]]
            n_partner = num_per_cls[label[partner]]
            if n_own > im_k * n_partner:
                mix_alpha = 0
            elif n_partner > im_k * n_own:
                mix_alpha = 1
            else:
                mix_alpha = alpha  # one alpha per batch (deviation 2)
    return keypoint, label, label_b, mix_alpha


# ----------------------------------------------------------- model + data
def bench_mixup_vs_step(device: torch.device, batch_sizes: Sequence[int],
                        step_reps: Dict[int, int], mix_reps: int,
                        orig_reps: int) -> List[Dict]:
    model = build_stock_model(device)
    optim = OptimWrapper(
        torch.optim.SGD(model.parameters(),
                        lr=0.1,
                        momentum=0.9,
                        weight_decay=5e-4,
                        nesterov=True))
    blending = MODELS.build(
        dict(type='RebalancedPartialMix',
             num_classes=NUM_CLASSES,
             layout='nturgb+d',
             class_counts=NTU60_LT_COUNTS))
    ntu = get_layout('nturgb+d')
    rows = []
    # warm up allocator / kernels once at the small batch size
    model.train_step(make_batch(min(batch_sizes), device), optim)
    for batch_size in batch_sizes:
        batch = make_batch(batch_size, device)
        step = _time_calls(lambda: model.train_step(batch, optim),
                           step_reps[batch_size], device)

        stacked = torch.stack(batch['inputs']).to(device)
        targets = [int(s.gt_label) for s in batch['data_samples']]
        fresh: List = []

        def new_samples():
            fresh[:] = [
                ActionDataSample().set_gt_label(y).to(device) for y in targets
            ]

        new_samples()
        blending(stacked, fresh)  # moves class counts to the device once
        mix = _time_calls(lambda: blending(stacked, fresh),
                          mix_reps,
                          device,
                          setup=new_samples)
        one_hot = torch.nn.functional.one_hot(
            torch.tensor(targets, device=device), NUM_CLASSES).float()
        target_t = torch.tensor(targets, device=device)
        core = _time_calls(
            lambda: blending.do_blending(stacked, one_hot, target_t), mix_reps,
            device)

        original_in: List = []
        label_t = torch.tensor(targets, device=device)

        def clone_input():
            original_in[:] = [stacked[:, 0].clone()]

        orig = _time_calls(lambda: original_brl_rebalance_mix_up(
            original_in[0], label_t, NTU60_LT_COUNTS, list(ntu.upper_body),
            list(ntu.lower_body), 1 / 16, ntu.upper_share, 3),
                           orig_reps,
                           device,
                           setup=clone_input)
        rows.append(
            dict(batch=batch_size,
                 step=_ms(step),
                 step_reps=len(step),
                 mix=_ms(mix),
                 mix_min=1e3 * min(mix),
                 core=_ms(core),
                 orig=_ms(orig)))
    return rows


# ------------------------------------------------------------- pipelines
def transform_breakdown(samples: List[Dict]) -> Dict[str, float]:
    """Mean ms per sample of each transform of the BRL pipeline."""
    pipeline = build_pipeline(brl=True, reverse=True)
    totals = {type(t).__name__: 0.0 for t in pipeline.transforms}
    np.random.seed(0)
    for sample in samples:
        results = dict(sample)
        for transform in pipeline.transforms:
            start = time.perf_counter()
            results = transform(results)
            totals[type(transform).__name__] += time.perf_counter() - start
    return {name: 1e3 * t / len(samples) for name, t in totals.items()}


def bench_pipelines(num_samples: int, rounds: int) -> Tuple[Dict, Dict]:
    samples = make_ntu_like_samples(num_samples)
    pipelines = {
        'stock': build_pipeline(brl=False),
        'BRL (scale, rot, flip)': build_pipeline(brl=True),
        'BRL + TemporalReverse(0.5)': build_pipeline(brl=True, reverse=True),
    }
    best = {name: float('inf') for name in pipelines}
    for _ in range(rounds):  # interleaved rounds, best of them
        for name, pipeline in pipelines.items():
            np.random.seed(0)
            copies = [dict(s) for s in samples]
            start = time.perf_counter()
            for results in copies:
                pipeline(results)
            best[name] = min(best[name],
                             (time.perf_counter() - start) / num_samples)
    per_sample = {name: 1e3 * value for name, value in best.items()}
    return per_sample, transform_breakdown(samples)


# -------------------------------------------------------------------- main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--device',
                        default=None,
                        help='cpu or cuda (default: cuda if available)')
    parser.add_argument('--threads',
                        type=int,
                        default=None,
                        help='torch CPU threads (default: torch default)')
    parser.add_argument('--batch-sizes',
                        type=int,
                        nargs='+',
                        default=[16, 128])
    parser.add_argument('--step-reps',
                        type=int,
                        nargs=2,
                        default=None,
                        metavar=('SMALL', 'LARGE'),
                        help='timed train steps at the small and large batch '
                        '(default: 2 1 on CPU, 20 10 on CUDA)')
    parser.add_argument('--mix-reps', type=int, default=50)
    parser.add_argument('--orig-reps', type=int, default=5)
    parser.add_argument('--pipeline-samples', type=int, default=150)
    parser.add_argument('--pipeline-rounds', type=int, default=2)
    args = parser.parse_args()

    device = torch.device(args.device
                          or ('cuda' if torch.cuda.is_available() else 'cpu'))
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    np.random.seed(0)
    random.seed(0)
    step_reps = args.step_reps or ([20, 10]
                                   if device.type == 'cuda' else [2, 1])
    small = min(args.batch_sizes)
    reps = {
        b:
        step_reps[0]
        if b == small and len(args.batch_sizes) > 1 else step_reps[1]
        for b in args.batch_sizes
    }

    start = time.perf_counter()
    print(environment_header('bench_stae', device))

    rows = bench_mixup_vs_step(device, args.batch_sizes, reps, args.mix_reps,
                               args.orig_reps)
    print('\n## Mixup vs one stock ST-GCN++ train step '
          f'(inputs (B, 1, 2, {CLIP_LEN}, 25, 3), median ms)')
    print('| B | train step | RebalancedPartialMix call (min) | '
          'tensor core | mix / step | original BRL loop (re-impl.) | '
          'original / step |')
    print('|---|---|---|---|---|---|---|')
    for r in rows:
        print(f"| {r['batch']} | {r['step']:.1f} (n={r['step_reps']}) | "
              f"{r['mix']:.3f} ({r['mix_min']:.3f}) | {r['core']:.3f} | "
              f"{100 * r['mix'] / r['step']:.4f}% | {r['orig']:.2f} | "
              f"{100 * r['orig'] / r['step']:.3f}% |")

    per_sample, breakdown = bench_pipelines(args.pipeline_samples,
                                            args.pipeline_rounds)
    stock = per_sample['stock']
    print(f'\n## Per-sample pipeline time ({args.pipeline_samples} NTU-shaped '
          'samples, T 30..300, M 1-2, best of '
          f'{args.pipeline_rounds} rounds, ms/sample)')
    print('| pipeline | ms/sample | vs stock |')
    print('|---|---|---|')
    for name, value in per_sample.items():
        print(f'| {name} | {value:.3f} | {value / stock:.3f}x |')
    print('\n## Per-transform time, BRL + TemporalReverse pipeline '
          '(ms/sample, one pass)')
    print('| transform | ms/sample |')
    print('|---|---|')
    for name, value in breakdown.items():
        print(f'| {name} | {value:.3f} |')
    print(f'\n# total {time.perf_counter() - start:.1f} s')


if __name__ == '__main__':
    main()
