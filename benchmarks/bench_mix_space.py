"""Speed of the bone-space partial mixup next to the joint-space one
(issue 18 item 2).

Times ``RebalancedPartialMix(space='joint')`` and ``(space='bone')`` per
``do_blending`` call (pairs, mixing and soft labels; without the per-sample
``set_gt_label`` that both share) on NTU shapes
``(B, 1, 2, 64, 25, 3)`` at the default ratio 1/16 and at 1/2, median of
``--reps`` calls.

Usage::

    python benchmarks/bench_mix_space.py [--device cpu|cuda] [--threads N]
"""
import argparse

import torch

from _common import NTU60_LT_COUNTS, NUM_CLASSES, environment_header
from _common import make_batch, median_ms, time_calls

from brl_mm.models.blending import RebalancedPartialMix


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--device',
                        default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--reps', type=int, default=200)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    print(environment_header('bench_mix_space', device))
    batch = make_batch(args.batch_size, device)
    stacked = torch.stack(batch['inputs']).to(device)
    targets = torch.tensor([int(s.gt_label) for s in batch['data_samples']],
                           device=device)
    one_hot = torch.nn.functional.one_hot(targets, NUM_CLASSES).float()

    print('ratio   joint ms   bone ms   bone / joint')
    for ratio in (1 / 16, 1 / 2):
        medians = {}
        for space in ('joint', 'bone'):
            blending = RebalancedPartialMix(NUM_CLASSES,
                                            class_counts=NTU60_LT_COUNTS,
                                            ratio=ratio,
                                            space=space)
            blending.do_blending(stacked, one_hot, targets)  # to the device
            medians[space] = median_ms(
                time_calls(
                    lambda: blending.do_blending(stacked, one_hot, targets),
                    args.reps, device))
        print(f'{ratio:.4f}  {medians["joint"]:8.3f}  {medians["bone"]:8.3f}'
              f'   {medians["bone"] / medians["joint"]:.2f}')


if __name__ == '__main__':
    main()
