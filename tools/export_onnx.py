"""Export a skeleton recognizer (backbone + head) to ONNX and check it.

    python tools/export_onnx.py CONFIG_OR_ZOO_NAME CHECKPOINT \\
        [--out model.onnx] [--batch 2] [--opset 17]

The graph maps one clip batch ``keypoint (N, M, T, V, C)`` to the class
logits ``scores (N, K)`` with a dynamic batch axis ``N``; ``M``, ``T``,
``V``, ``C`` come from the config's test pipeline (``FormatGCNInput``
persons, the sampler's ``clip_len``, the layout's joints, the backbone's
``in_channels``). Normalisation, stream features and clip sampling happen
before the graph (the config's test pipeline), the clip average after it.

The file is then run with onnxruntime on the CPU and compared with PyTorch
on the same random input with another batch size (``--check-batch``, which
also proves the batch axis is dynamic); the maximum absolute difference of
the logits is printed, and the tool exits with status 1 if it exceeds
``--atol``. Needs ``pip install brl-mm[export]`` (onnx, onnxruntime). An
existing output is kept unless ``--force``.
"""
import argparse
import os.path as osp
import sys
from typing import List, Optional

import torch
from mmengine.config import DictAction

import brl_mm  # noqa: F401  (compat shims + registration, brl://)
from brl_mm.apis import (check_onnx, export_input_shape, export_onnx,
                         init_recognizer, resolve_config)
from brl_mm.utils import overwrite_refusal


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Command line of the export tool."""
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='\n'.join(__doc__.split('\n')[1:]))
    parser.add_argument('config', help='config file or zoo name')
    parser.add_argument('checkpoint', help='checkpoint file or brl://NAME')
    parser.add_argument('--out', help='the .onnx file (default: beside the '
                        'checkpoint, same name)')
    parser.add_argument('--batch', type=int, default=2,
                        help='batch of the example input (default 2)')
    parser.add_argument('--check-batch', type=int, default=3,
                        help='batch of the onnxruntime check (default 3)')
    parser.add_argument('--opset', type=int, default=17)
    parser.add_argument('--atol', type=float, default=1e-4,
                        help='largest accepted |onnx - torch| of the logits')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='config overrides')
    parser.add_argument('--force', action='store_true',
                        help='overwrite --out')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    """Run the tool; returns the exit status."""
    args = parse_args(argv)
    try:
        import onnx  # noqa: F401
        import onnxruntime
    except ImportError as error:
        print(f'error: {error.name} is not installed: pip install '
              '"brl-mm[export]" (or pip install -r requirements/export.txt)',
              file=sys.stderr)
        return 2
    out = args.out or osp.splitext(
        args.checkpoint.replace('brl://', ''))[0] + '.onnx'
    refusal = overwrite_refusal(out, args.force)
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    try:
        cfg = resolve_config(args.config)
        if args.cfg_options:
            cfg.merge_from_dict(args.cfg_options)
        model = init_recognizer(cfg, args.checkpoint)
        shape = export_input_shape(cfg, args.batch)
    except (FileNotFoundError, KeyError, ValueError) as error:
        print(f'error: {error.args[0] if error.args else error}',
              file=sys.stderr)
        return 2
    export_onnx(model, out, shape, args.opset)
    check_input = torch.randn((args.check_batch, ) + tuple(shape[1:]),
                              generator=torch.Generator().manual_seed(1))
    result = check_onnx(out, model, check_input)
    dims = ', '.join(map(str, shape[1:]))
    print(f'{type(model.backbone).__name__} + {type(model.cls_head).__name__}'
          f' -> {out}: input keypoint (batch, {dims})'
          f', output scores (batch, {result["torch"].shape[1]}); opset '
          f'{args.opset}, torch {torch.__version__}, onnxruntime '
          f'{onnxruntime.__version__}')
    print(f'onnxruntime (CPU) vs PyTorch on a batch of {args.check_batch}: '
          f'max abs difference {result["max_abs_diff"]:.3g}, same top-1: '
          f'{result["same_argmax"]}')
    if result['max_abs_diff'] > args.atol:
        print(f'error: the difference exceeds --atol {args.atol:g}',
              file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
