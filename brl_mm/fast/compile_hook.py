"""Opt-in ``torch.compile`` of chosen sub-modules (e.g. the backbone).

mmengine's own ``cfg.compile = True`` compiles the whole ``train_step``,
whose data-sample handling (Python objects, ``set_gt_label`` per sample) is
full of graph breaks. :class:`CompileModulesHook` compiles only the tensor
work that dominates a skeleton model's step, the backbone by default, in
place with ``nn.Module.compile``: parameter names, state dicts and
checkpoints stay exactly those of the uncompiled model (no ``_orig_mod.``
prefix), so checkpoints load into compiled and uncompiled models alike.
Enable it with::

    custom_hooks = [..., dict(type='CompileModulesHook')]

or, for another mode, ``dict(type='CompileModulesHook',
mode='max-autotune')``. Compilation happens on the first iteration (slow);
inductor needs a C compiler on CPU.
"""
from typing import Sequence

import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from mmaction.registry import HOOKS

__all__ = ['CompileModulesHook']


@HOOKS.register_module()
class CompileModulesHook(Hook):
    """Compile sub-modules of the model in place before training.

    Args:
        modules (Sequence[str]): Dotted names of the sub-modules to compile
            (``model.get_submodule`` names). Defaults to ``('backbone',)``.
        **compile_kwargs: Arguments of ``torch.compile`` (``mode``,
            ``backend``, ``dynamic``, ``fullgraph``, ``options``).
    """

    priority = 'VERY_LOW'

    def __init__(self, modules: Sequence[str] = ('backbone', ),
                 **compile_kwargs) -> None:
        if isinstance(modules, str):
            modules = (modules, )
        if not modules:
            raise ValueError('CompileModulesHook: name at least one module')
        self.modules = tuple(modules)
        self.compile_kwargs = compile_kwargs

    def before_train(self, runner) -> None:
        """Compile the named sub-modules of the (unwrapped) model."""
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        compile_modules(model, self.modules, **self.compile_kwargs)
        print_log(
            f'CompileModulesHook: compiled {", ".join(self.modules)} with '
            f'torch.compile({self.compile_kwargs or ""}); the first '
            'iterations are slow', logger='current')


def compile_modules(model: torch.nn.Module, names: Sequence[str],
                    **compile_kwargs) -> None:
    """``nn.Module.compile`` each named sub-module of ``model`` in place.

    Args:
        model (torch.nn.Module): The model.
        names (Sequence[str]): Dotted sub-module names.
        **compile_kwargs: Arguments of ``torch.compile``.
    """
    for name in names:
        try:
            module = model.get_submodule(name)
        except AttributeError as error:
            children = ', '.join(n for n, _ in model.named_children())
            raise ValueError(
                f'CompileModulesHook: the model has no sub-module {name!r} '
                f'({error}); its children are: {children}') from error
        module.compile(**compile_kwargs)
