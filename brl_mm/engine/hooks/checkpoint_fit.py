"""Refuse a checkpoint whose weights do not fit the model being tested.

mmengine loads ``load_from`` with ``strict=False``: a checkpoint of another
layout, stream, class count or backbone loads with a few ``size mismatch``
warnings in a long log, and the test then scores a half-initialised model.
:class:`CheckpointFitHook` compares the checkpoint's state dict with the
model's before mmengine loads it (``after_load_checkpoint``) and stops with
the mismatched keys and the likely cause (:func:`checkpoint_fit_report`), or,
with ``strict=False`` (``tools/test.py --allow-partial-load``), logs that
report once and lets the partial load go on.
"""
import re
from typing import Dict, List, Optional, Sequence, Tuple

from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from torch import nn
from mmengine.model import is_model_wrapper

__all__ = ['CheckpointFitHook', 'CheckpointMismatchError',
           'checkpoint_fit_report', 'loss_state_prefixes']

Shape = Tuple[int, ...]

_GRAPH_KEY = re.compile(r'(^|\.)(A|PA)$')
_BACKBONE_TYPE = re.compile(r"backbone\s*=\s*dict\(\s*type\s*=\s*'(\w+)'")


class CheckpointMismatchError(ValueError):
    """A checkpoint whose state dict does not fit the model."""


def _layouts_with(num_joints: int) -> str:
    from ...layouts import LAYOUTS
    names = [name for name, layout in LAYOUTS.items()
             if getattr(layout, 'num_joints', None) == num_joints]
    return f' ({", ".join(names)})' if names else ''


def _likely_causes(mismatched: List[Tuple[str, Shape, Shape]],
                   missing: Sequence[str], unexpected: Sequence[str],
                   backbones: Tuple[Optional[str], Optional[str]]
                   ) -> List[str]:
    causes = []
    for key, ckpt, model in mismatched:
        if _GRAPH_KEY.search(key) and len(ckpt) >= 2 and ckpt[-1] != model[-1]:
            causes.append(
                f'checkpoint has {ckpt[-1]} joints{_layouts_with(ckpt[-1])}, '
                f'config has {model[-1]}{_layouts_with(model[-1])}: wrong '
                'layout')
            break
    head = [(k, c, m) for k, c, m in mismatched
            if k.startswith('cls_head.') and len(c) == 2]
    if head:
        _, ckpt, model = head[0]
        if ckpt[0] != model[0]:
            causes.append(f'checkpoint has {ckpt[0]} classes, config has '
                          f'{model[0]}: wrong num_classes (another dataset '
                          'or class list)')
        if ckpt[1] != model[1]:
            causes.append(f'the head takes {ckpt[1]} features in the '
                          f'checkpoint, {model[1]} in the config: another '
                          'backbone width (cls_head.in_channels)')
    first_layer = [(k, c, m) for k, c, m in mismatched
                   if k.startswith('backbone.') and len(c) >= 2
                   and c[0] == m[0] and c[1] != m[1]]
    if first_layer and not any('joints' in c for c in causes):
        _, ckpt, model = first_layer[0]
        causes.append(f'the first backbone layer takes {ckpt[1]} input '
                      f'channels in the checkpoint, {model[1]} in the '
                      'config: another stream / feats, or 2D vs 3D data')
    missing_bb = [k for k in missing if k.startswith('backbone.')]
    unexpected_bb = [k for k in unexpected if k.startswith('backbone.')]
    if missing_bb and unexpected_bb:
        ckpt_type, model_type = backbones
        which = (f' (checkpoint: {ckpt_type}, config: {model_type})'
                 if ckpt_type and model_type and ckpt_type != model_type
                 else '')
        causes.append(f'{len(missing_bb)} backbone weights are missing and '
                      f'{len(unexpected_bb)} unexpected: another backbone'
                      f'{which}')
    return causes


def checkpoint_fit_report(checkpoint_state: Dict[str, object],
                          model_state: Dict[str, object],
                          backbones: Tuple[Optional[str],
                                           Optional[str]] = (None, None),
                          max_keys: int = 8,
                          runtime_prefixes: Sequence[str] = ()
                          ) -> Optional[str]:
    """Describe how a checkpoint's state dict fails to fit a model's.

    Args:
        checkpoint_state (dict): The checkpoint's tensors by key.
        model_state (dict): ``model.state_dict()``.
        backbones (tuple): The checkpoint's and the config's backbone type
            names, when known (for the message).
        max_keys (int): Keys listed per kind.
        runtime_prefixes (Sequence[str]): Key prefixes of state that is set
            at run time rather than learnt (the losses' class counts,
            weights and stage, which ``DetachedScheduleHook`` sets): keys
            under them are not compared.

    Returns:
        str | None: None when every key and shape matches, else a report:
        the likely causes first, then the mismatched, missing and
        unexpected keys.
    """
    if runtime_prefixes:
        prefixes = tuple(runtime_prefixes)
        checkpoint_state = {k: v for k, v in checkpoint_state.items()
                            if not k.startswith(prefixes)}
        model_state = {k: v for k, v in model_state.items()
                       if not k.startswith(prefixes)}
    mismatched = []
    for key, value in model_state.items():
        # buffers sized when set (e.g. a loss's class counts) start empty
        if key in checkpoint_state and value.numel() > 0:
            ckpt, model = (tuple(checkpoint_state[key].shape),
                           tuple(value.shape))
            if ckpt != model:
                mismatched.append((key, ckpt, model))
    missing = [k for k in model_state if k not in checkpoint_state]
    unexpected = [k for k in checkpoint_state if k not in model_state]
    if not (mismatched or missing or unexpected):
        return None
    causes = _likely_causes(mismatched, missing, unexpected, backbones)
    lines = [f'{len(mismatched)} size mismatches, {len(missing)} missing and '
             f'{len(unexpected)} unexpected keys.']
    lines += [f'likely cause: {c}' for c in causes]
    for key, ckpt, model in mismatched[:max_keys]:
        lines.append(f'  size mismatch {key}: checkpoint {list(ckpt)}, '
                     f'model {list(model)}')
    for title, keys in (('missing in checkpoint', missing),
                        ('not in the model', unexpected)):
        if keys:
            more = f' (+{len(keys) - max_keys} more)' if len(
                keys) > max_keys else ''
            lines.append(f'  {title}: {", ".join(keys[:max_keys])}{more}')
    return '\n'.join(lines)


def loss_state_prefixes(model: nn.Module) -> List[str]:
    """State-dict prefixes of a model's loss modules.

    Their buffers (class counts, class weights, stage) come from the
    training set at run time, not from learning: an official or converted
    checkpoint may lack them, and a model tested with another loss has
    others.

    Args:
        model (nn.Module): The model.

    Returns:
        list[str]: E.g. ``['cls_head.loss_cls.']``.
    """
    return [f'{name}.' for name, module in model.named_modules()
            if name and (isinstance(module, nn.modules.loss._Loss)
                         or type(module).__name__.endswith('Loss'))]


@HOOKS.register_module()
class CheckpointFitHook(Hook):
    """Check that a loaded checkpoint fits the model before it is loaded.

    Args:
        strict (bool): Raise :class:`CheckpointMismatchError` on any
            mismatch. False logs the report as a warning and lets mmengine's
            non-strict load go on. Defaults to True.
    """

    priority = 'VERY_HIGH'

    def __init__(self, strict: bool = True) -> None:
        self.strict = strict

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Compare ``checkpoint['state_dict']`` with the model's (the
        losses' run-time state aside, see :func:`loss_state_prefixes`)."""
        state = checkpoint.get('state_dict', checkpoint)
        state = {re.sub(r'^module\.', '', k): v for k, v in state.items()
                 if hasattr(v, 'shape')}
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        meta_cfg = str((checkpoint.get('meta') or {}).get('cfg', ''))
        found = _BACKBONE_TYPE.search(meta_cfg)
        backbone = runner.cfg.get('model', {}).get('backbone', {})
        model_type = backbone.get('type')
        report = checkpoint_fit_report(
            state, model.state_dict(),
            (found.group(1) if found else None, model_type),
            runtime_prefixes=loss_state_prefixes(model))
        if report is None:
            return
        source = runner.cfg.get('load_from') or 'the checkpoint'
        causes = [line[len('likely cause: '):] for line in report.splitlines()
                  if line.startswith('likely cause: ')]
        cause = f' (likely cause: {"; ".join(causes)})' if causes else ''
        if self.strict:
            # first line: the summary that tools print last
            raise CheckpointMismatchError(
                f'checkpoint {source} does not fit the model of this config'
                f'{cause}: test it with the config it was trained with, or '
                'pass --allow-partial-load to load only the weights that fit '
                f'(the others keep their initialisation)\n{report}')
        runner.logger.warning(
            f'--allow-partial-load: checkpoint {source} fits only in part'
            f'{cause}: {report}')
