"""Convert a checkpoint of the original BRL / PYSKL code for brl_mm.

    python tools/convert_brl_checkpoint.py brl_ntu60_xsub_j.pth out.pth \\
        --config configs/brl/ntu60_xsub_lt.py
    python tools/convert_brl_checkpoint.py --zoo \\
        brl_stgcnpp_ntu60-xsub-lt100_j brl_ntu60_xsub_j.pth out.pth

Renames ``cls_head.fc_cls.*`` -> ``cls_head.fc.*``, strips ``module.``,
reads ``ckpt['state_dict']`` when present, and writes
``dict(state_dict=..., meta=...)`` for ``load_from`` /
``mmengine.runner.load_checkpoint``. With ``--config`` the keys are checked
against the config's model: keys that do not match write nothing and exit
with status 2, listing them and the likely cause, unless
``--allow-unmatched``. ``--zoo NAME`` takes the config (and so the stream) of
a model-zoo entry (``configs/**/metafile.yml``), loads the written file
strictly and records the zoo name and the BRL authors' top-1 in the output's
meta. An unreadable, truncated or foreign file stops with an error naming it
and what it is (exit status 2), before anything is unpickled. The source file's sha256 is always recorded
(``meta['source_sha256']``). An existing output is kept unless ``--force``.

Security: mmcv-1.x checkpoints pickle objects torch's safe loader refuses.
Such a file is then loaded with ``weights_only=False`` (classes that no
longer exist become placeholders; mmcv 1.x is never imported). Unpickling can
run code: convert only checkpoints you trust.
"""
import argparse
import sys

from mmengine.config import DictAction
from mmengine.runner import load_checkpoint

from brl_mm.engine.launch import run_cli
from brl_mm.zoo import build_model_from_config, convert_checkpoint, get_zoo_entry


def main(argv=None) -> None:
    """Convert; a user error raises (``run_cli`` prints it last, exit 2)."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='original BRL / PYSKL checkpoint '
                        '(trusted file)')
    parser.add_argument('dst', help='output checkpoint')
    parser.add_argument('--config', help='config whose model the keys are '
                        'checked against')
    parser.add_argument('--zoo', metavar='NAME', help='model-zoo name (e.g. '
                        'brl_stgcnpp_ntu60-xsub-lt100_j): its config, strict')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='overrides for --config, e.g. '
                        'model.cls_head.num_classes=120')
    parser.add_argument('--force', action='store_true',
                        help='overwrite an existing output file')
    parser.add_argument('--allow-unmatched', action='store_true',
                        help='with --config: write the file even if keys do '
                        'not match the model (they are listed)')
    args = parser.parse_args(argv)
    if args.zoo and args.config:
        parser.error('give --zoo NAME or --config, not both')
    if args.zoo and args.allow_unmatched:
        parser.error('--zoo always loads strictly; drop --allow-unmatched')
    model, extra_meta = None, None
    if args.zoo:
        try:
            entry = get_zoo_entry(args.zoo)
        except KeyError as error:  # an unknown name: a user error
            raise ValueError(error.args[0]) from None
        args.config = entry.config_path
        extra_meta = dict(zoo_name=entry.name, zoo_config=entry.config,
                          zoo_stream=entry.stream,
                          expected_top1=entry.expected_top1,
                          official_source=entry.source)
        print(f'{entry.name}: config {entry.config} ({entry.stream}); '
              f'official source {entry.source or "none"}')
    if args.config:
        model = build_model_from_config(args.config, args.cfg_options)
    report = convert_checkpoint(
        args.src, args.dst, model=model, force=args.force,
        extra_meta=extra_meta,
        require_match=model is not None and not args.allow_unmatched)
    print(report.format())
    if args.zoo:  # the real thing: a strict load of the written file
        load_checkpoint(model, args.dst, map_location='cpu', strict=True)
        print(f'strict load of {args.dst} into {args.zoo}: ok')
    print(f'wrote {args.dst}')


if __name__ == '__main__':
    sys.exit(run_cli(main))
