"""Convert a checkpoint of the original BRL / PYSKL code for brl_mm.

    python tools/convert_brl_checkpoint.py brl_ntu60_xsub_j.pth out.pth \\
        --config configs/brl/ntu60_xsub_lt.py

Renames ``cls_head.fc_cls.*`` -> ``cls_head.fc.*``, strips ``module.``,
reads ``ckpt['state_dict']`` when present, and writes
``dict(state_dict=..., meta=...)`` for ``load_from`` /
``mmengine.runner.load_checkpoint``. With ``--config`` the keys are checked
against the config's model and unmatched keys are reported (exit status 1
with ``--strict``). An existing output is kept unless ``--force``.

Security: mmcv-1.x checkpoints pickle objects torch's safe loader refuses.
Such a file is then loaded with ``weights_only=False`` (classes that no
longer exist become placeholders; mmcv 1.x is never imported). Unpickling can
run code: convert only checkpoints you trust.
"""
import argparse
import sys

from mmengine.config import DictAction

from brl_mm.models.checkpoint_convert import (build_model_from_config,
                                              convert_checkpoint)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='original BRL / PYSKL checkpoint '
                        '(trusted file)')
    parser.add_argument('dst', help='output checkpoint')
    parser.add_argument('--config', help='config whose model the keys are '
                        'checked against')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='overrides for --config, e.g. '
                        'model.cls_head.num_classes=120')
    parser.add_argument('--force', action='store_true',
                        help='overwrite an existing output file')
    parser.add_argument('--strict', action='store_true',
                        help='exit with status 1 if any key is unmatched')
    args = parser.parse_args(argv)
    model = None
    if args.config:
        model = build_model_from_config(args.config, args.cfg_options)
    try:
        report = convert_checkpoint(
            args.src, args.dst, model=model, force=args.force)
    except (FileExistsError, FileNotFoundError) as error:
        print(f'error: {error}', file=sys.stderr)
        return 2
    print(report.format())
    print(f'wrote {args.dst}')
    return 1 if args.strict and report.unmatched else 0


if __name__ == '__main__':
    sys.exit(main())
