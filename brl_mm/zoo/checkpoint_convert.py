"""Convert checkpoints of the original BRL / PYSKL code to brl_mm models.

The original BRL code (github ``firework8/BRL``, mmcv 1.x) saves
``{'meta', 'state_dict', 'optimizer'}`` with ``torch.save``. Its model keys
equal mmaction2 1.2.0's (and brl_mm's ``CTRGCN`` / ``MSG3D``) except for the
classifier, ``cls_head.fc_cls.*`` -> ``cls_head.fc.*``; a leading ``module.``
(a data-parallel wrapper) is stripped too. See
``../shared/data/brl_checkpoint_layout/README.md`` for the derivation.

Loading: mmcv-1.x ``meta`` may pickle classes that no longer exist (e.g.
``mmcv.utils.config.ConfigDict``, ``mmcv.runner...``).
:func:`load_legacy_checkpoint` first tries torch's safe ``weights_only=True``
loader; if the file holds other objects it unpickles it with
:class:`LegacyUnpickler`, which maps every class it cannot import to a
:class:`MissingClassPlaceholder` instead of importing mmcv 1.x. That second
path runs ``torch.load(weights_only=False)`` and may execute code from the
pickle: use it only for files you trust, which is why it is applied only to
the one file the caller names.

The output is ``dict(state_dict=..., meta=...)`` with plain Python values
only, so ``mmengine.runner.load_checkpoint`` (and ``torch.load`` with
``weights_only=True``) read it.
"""
import hashlib
import io
import os.path as osp
import pickle
import re
import types
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

import torch

from brl_mm.compat.checkpoint_loading import (UnreadableCheckpointError,
                                              describe_checkpoint_file)
from brl_mm.utils import atomic_write, load_config

__all__ = [
    'RENAME_RULES', 'MissingClassPlaceholder', 'LegacyUnpickler',
    'load_legacy_checkpoint', 'extract_state_dict', 'convert_state_dict',
    'ConversionReport', 'compare_with_model', 'build_model_from_config',
    'convert_checkpoint', 'convert_in_memory', 'file_sha256',
    'UnmatchedKeysError', 'fill_training_state', 'TRAINING_STATE_PREFIXES'
]

#: (regex, replacement) applied in order to every key after ``module.``
#: is stripped.
RENAME_RULES: Tuple[Tuple[str, str], ...] = (
    (r'^cls_head\.fc_cls\.', 'cls_head.fc.'),
)

#: Top-level prefixes of a recognizer's ``state_dict``.
KNOWN_PREFIXES = ('backbone.', 'cls_head.', 'neck.', 'data_preprocessor.')
#: Buffers of brl-mm's training components (the two-stage losses' class
#: counts, weights and stage, set by ``DetachedScheduleHook``): the original
#: BRL losses have none, so a converted checkpoint lacks them; they take the
#: model's own values and do not affect inference.
TRAINING_STATE_PREFIXES = ('cls_head.loss_cls.', )


class MissingClassPlaceholder(dict):
    """Stand-in for a pickled class that cannot be imported.

    It accepts every way pickle rebuilds an object (constructor arguments,
    ``__setstate__``, dict items, list items) and keeps what it received:
    dict items in the dict itself, the rest in ``args``, ``kwargs``,
    ``state`` and ``list_items``. Subclasses made by
    :meth:`LegacyUnpickler.find_class` carry the original ``module`` and
    ``qualname``.
    """

    module: str = '?'
    qualname: str = '?'

    def __new__(cls, *args, **kwargs):
        obj = super().__new__(cls)
        obj.__dict__.update(args=args, kwargs=kwargs, state=None,
                            list_items=[])
        return obj

    def __init__(self, *args, **kwargs) -> None:
        # dict.__init__ would choke on arbitrary constructor arguments
        pass

    def __setstate__(self, state: Any) -> None:
        self.__dict__['state'] = state

    def append(self, item: Any) -> None:
        """Receive a list item (pickle ``APPEND``)."""
        self.__dict__['list_items'].append(item)

    def extend(self, items: Sequence) -> None:
        """Receive list items (pickle ``APPENDS``)."""
        self.__dict__['list_items'].extend(items)

    def __reduce_ex__(self, protocol):
        raise pickle.PicklingError(
            f'{self.module}.{self.qualname} is a placeholder for a class '
            'that could not be imported; it cannot be saved again.')

    def __repr__(self) -> str:
        return f'<missing {self.module}.{self.qualname}>'


class LegacyUnpickler(pickle.Unpickler):
    """Unpickler that replaces classes it cannot import by placeholders.

    Classes of the packages in :attr:`legacy_packages` (mmcv 1.x, the
    original BRL / PYSKL code) are never imported, even where installed;
    every other class is imported as usual unless that fails. Each replaced
    ``module.qualname`` is recorded in :attr:`missing` (a class attribute of
    the subclass made by :func:`_make_unpickler_module`).
    """

    missing: List[str] = []
    legacy_packages: Tuple[str, ...] = ('mmcv', 'mmcv_full', 'pyskl', 'brl')

    def find_class(self, module: str, name: str) -> Any:
        if module.split('.')[0] not in self.legacy_packages:
            try:
                return super().find_class(module, name)
            except (ImportError, AttributeError):
                pass
        self.missing.append(f'{module}.{name}')
        return type(
            name.rpartition('.')[2], (MissingClassPlaceholder, ),
            dict(module=module, qualname=name))


def _make_unpickler_module(missing: List[str]) -> types.ModuleType:
    """A ``pickle``-like module for ``torch.load(pickle_module=...)``."""
    module = types.ModuleType('brl_mm_legacy_pickle')
    unpickler = type('Unpickler', (LegacyUnpickler, ),
                     dict(missing=missing))
    module.Unpickler = unpickler
    module.load = lambda file, **kwargs: unpickler(file, **kwargs).load()
    module.loads = lambda data, **kwargs: unpickler(
        io.BytesIO(data), **kwargs).load()
    module.__dict__.update(
        {k: getattr(pickle, k)
         for k in ('UnpicklingError', 'HIGHEST_PROTOCOL', 'dump', 'dumps')})
    return module


def load_legacy_checkpoint(path: str,
                           map_location: str = 'cpu'
                           ) -> Tuple[Any, List[str]]:
    """Load a (possibly mmcv-1.x) checkpoint without importing mmcv 1.x.

    Tries ``torch.load(weights_only=True)`` first. If the file holds objects
    outside torch's allow-list, it is loaded again with
    ``weights_only=False`` and :class:`LegacyUnpickler`: only do this for a
    trusted file (unpickling can run code).

    Args:
        path (str): The checkpoint file.
        map_location (str): Passed to ``torch.load``. Defaults to ``'cpu'``.

    Returns:
        tuple: The loaded object and the sorted list of ``module.Class``
        names replaced by placeholders (empty for the safe path).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint {path!r} does not exist')
    # the framing first: nothing of an empty, truncated or foreign file is
    # unpickled (legacy torch pickles of mmcv 1.x pass)
    problem = describe_checkpoint_file(path)
    if problem:
        raise UnreadableCheckpointError(
            f'checkpoint {path} cannot be loaded: it is {problem}')
    try:
        try:
            return torch.load(
                path, map_location=map_location, weights_only=True), []
        except pickle.UnpicklingError:
            pass
        missing: List[str] = []
        checkpoint = torch.load(
            path,
            map_location=map_location,
            weights_only=False,  # trusted: the file the user named
            pickle_module=_make_unpickler_module(missing))
    except (RuntimeError, EOFError) as error:
        raise UnreadableCheckpointError(
            f'checkpoint {path} cannot be loaded ({error}); is it a complete '
            'PyTorch checkpoint?') from error
    return checkpoint, sorted(set(missing))


def extract_state_dict(checkpoint: Any) -> 'OrderedDict[str, torch.Tensor]':
    """Return ``checkpoint['state_dict']`` if present, else the checkpoint.

    Args:
        checkpoint: A loaded checkpoint (dict).

    Returns:
        OrderedDict: The tensors, in file order.
    """
    if not isinstance(checkpoint, dict):
        raise ValueError('expected a checkpoint dict (optionally with a '
                         f"'state_dict' entry), got {type(checkpoint)!r}")
    state_dict = checkpoint.get('state_dict', checkpoint)
    if not isinstance(state_dict, dict):
        raise ValueError("checkpoint['state_dict'] is not a dict but "
                         f'{type(state_dict)!r}')
    bad = [k for k, v in state_dict.items() if not torch.is_tensor(v)]
    if bad:
        raise ValueError(
            'the state dict holds non-tensor entries (is this a model '
            f'checkpoint?): {bad[:5]}')
    return OrderedDict(state_dict)


def convert_state_dict(
    state_dict: Dict[str, torch.Tensor],
    rules: Sequence[Tuple[str, str]] = RENAME_RULES
) -> Tuple['OrderedDict[str, torch.Tensor]', Dict[str, str]]:
    """Strip ``module.`` prefixes and apply the rename rules.

    Args:
        state_dict (dict): Original keys -> tensors.
        rules (Sequence[tuple[str, str]]): ``(regex, replacement)`` pairs.
            Defaults to :data:`RENAME_RULES`.

    Returns:
        tuple: The converted ``OrderedDict`` (original order) and a dict
        ``{original key: new key}`` of the keys that changed.
    """
    converted: 'OrderedDict[str, torch.Tensor]' = OrderedDict()
    renamed: Dict[str, str] = {}
    for key, value in state_dict.items():
        new = key
        while new.startswith('module.'):
            new = new[len('module.'):]
        for pattern, replacement in rules:
            new = re.sub(pattern, replacement, new)
        if new in converted:
            raise ValueError(f'two keys map to {new!r} (the second is '
                             f'{key!r}); the checkpoint mixes naming styles')
        if new != key:
            renamed[key] = new
        converted[new] = value
    return converted, renamed


@dataclass
class ConversionReport:
    """What a conversion did and which keys did not match.

    Attributes:
        num_keys (int): Number of converted tensors.
        renamed (dict): ``{original key: new key}`` for changed keys.
        missing_classes (list[str]): Pickled classes replaced by
            placeholders while loading.
        dropped_entries (list[str]): Top-level checkpoint entries not
            carried over (e.g. ``optimizer``).
        unknown_prefix (list[str]): Converted keys that start with none of
            ``backbone.``, ``cls_head.``, ``neck.``, ``data_preprocessor.``.
        missing_in_checkpoint (list[str]): Model keys the checkpoint lacks
            (only with a model).
        unexpected_in_checkpoint (list[str]): Checkpoint keys the model
            lacks (only with a model).
        shape_mismatch (list[tuple]): ``(key, checkpoint shape, model
            shape)`` (only with a model).
        model_checked (bool): Whether a model was compared.
        source_sha256 (str): sha256 of the source file.
        training_state_from_model (list[str]): Training-state buffers of the
            model (:data:`TRAINING_STATE_PREFIXES`) the checkpoint lacks;
            the output takes the model's values (only with a model).
    """

    num_keys: int = 0
    renamed: Dict[str, str] = field(default_factory=dict)
    missing_classes: List[str] = field(default_factory=list)
    dropped_entries: List[str] = field(default_factory=list)
    unknown_prefix: List[str] = field(default_factory=list)
    missing_in_checkpoint: List[str] = field(default_factory=list)
    unexpected_in_checkpoint: List[str] = field(default_factory=list)
    shape_mismatch: List[Tuple[str, tuple, tuple]] = field(
        default_factory=list)
    model_checked: bool = False
    source_sha256: str = ''
    training_state_from_model: List[str] = field(default_factory=list)

    @property
    def unmatched(self) -> bool:
        """Whether any key failed to match (or looks unknown)."""
        return bool(self.unknown_prefix or self.missing_in_checkpoint
                    or self.unexpected_in_checkpoint or self.shape_mismatch)

    def format(self, limit: int = 20) -> str:
        """Human-readable summary; lists are cut after ``limit`` items."""

        def block(title: str, items: Sequence) -> List[str]:
            if not items:
                return []
            lines = [f'{title} ({len(items)}):']
            lines += [f'  {item}' for item in list(items)[:limit]]
            if len(items) > limit:
                lines.append(f'  ... and {len(items) - limit} more')
            return lines

        lines = [f'converted {self.num_keys} tensors, '
                 f'renamed {len(self.renamed)}']
        if self.source_sha256:
            lines.append(f'source sha256 {self.source_sha256}')
        lines += block('renamed', [f'{a} -> {b}'
                                   for a, b in self.renamed.items()])
        lines += block('pickled classes replaced by placeholders',
                       self.missing_classes)
        lines += block('checkpoint entries not carried over',
                       self.dropped_entries)
        lines += block('keys with an unknown prefix', self.unknown_prefix)
        if self.model_checked:
            lines += block('in the model, not in the checkpoint',
                           self.missing_in_checkpoint)
            lines += block('in the checkpoint, not in the model',
                           self.unexpected_in_checkpoint)
            lines += block('shape mismatch (key, checkpoint, model)',
                           self.shape_mismatch)
            lines += block('training-state buffers taken from the model',
                           self.training_state_from_model)
            lines.append('all keys match the model (strict load works)'
                         if not self.unmatched else
                         'UNMATCHED keys: strict loading will fail')
        else:
            lines.append('no model given (--config): keys not checked '
                         'against a model')
        return '\n'.join(lines)


def compare_with_model(state_dict: Dict[str, torch.Tensor],
                       model: torch.nn.Module,
                       report: Optional[ConversionReport] = None
                       ) -> ConversionReport:
    """Fill ``report`` with the differences to ``model.state_dict()``.

    Args:
        state_dict (dict): Converted keys -> tensors.
        model (torch.nn.Module): The target model.
        report (ConversionReport, optional): Report to update.

    Returns:
        ConversionReport: The (updated) report.
    """
    report = report or ConversionReport(num_keys=len(state_dict))
    target = model.state_dict()
    report.model_checked = True
    missing = [k for k in target if k not in state_dict]
    report.training_state_from_model = [
        k for k in missing if k.startswith(TRAINING_STATE_PREFIXES)
    ]
    report.missing_in_checkpoint = [
        k for k in missing if k not in report.training_state_from_model
    ]
    report.unexpected_in_checkpoint = [
        k for k in state_dict if k not in target
    ]
    report.shape_mismatch = [
        (k, tuple(v.shape), tuple(target[k].shape))
        for k, v in state_dict.items()
        if k in target and v.shape != target[k].shape
    ]
    return report


def build_model_from_config(config: str,
                            cfg_options: Optional[dict] = None
                            ) -> torch.nn.Module:
    """Build ``cfg.model`` of an mmengine config with mmaction's registry.

    Args:
        config (str): Config file.
        cfg_options (dict, optional): Overrides merged into the config.

    Returns:
        torch.nn.Module: The model (weights not initialized).
    """
    import brl_mm  # noqa: F401  (compat shims + registration)
    from mmaction.registry import MODELS
    from mmengine.registry import init_default_scope
    cfg = load_config(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if 'model' not in cfg:
        raise KeyError(f'config {config!r} has no `model` entry')
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    return MODELS.build(cfg.model)


def _plain(value: Any, depth: int = 0) -> Any:
    """Keep values that ``torch.load(weights_only=True)`` accepts."""
    if value is None:
        return value
    for plain in (bool, int, float, str):  # also np.float64 -> float
        if isinstance(value, plain):
            return plain(value)
    if depth < 8 and isinstance(value, (list, tuple)):
        return [_plain(v, depth + 1) for v in value]
    if depth < 8 and isinstance(value, dict) and not isinstance(
            value, MissingClassPlaceholder):
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, MissingClassPlaceholder):
        return f'<dropped {value.module}.{value.qualname}>'
    if hasattr(value, 'item') and getattr(value, 'size', 2) == 1:
        try:  # numpy / torch scalars
            return _plain(value.item(), depth + 1)
        except (TypeError, ValueError):
            pass
    return f'<dropped {type(value).__module__}.{type(value).__qualname__}>'


class UnmatchedKeysError(ValueError):
    """The converted keys do not match the model (nothing was written).

    The message's first line is the summary; the lines after it list the
    mismatched / missing / unexpected keys and the likely cause (joints,
    classes, input channels, backbone).

    Args:
        report (ConversionReport): The conversion's report.
        details (str, optional): The key-by-key description.
    """

    def __init__(self, report: ConversionReport,
                 details: Optional[str] = None) -> None:
        count = (len(report.missing_in_checkpoint) +
                 len(report.unexpected_in_checkpoint) +
                 len(report.shape_mismatch) + len(report.unknown_prefix))
        summary = (f'{count} keys of the converted checkpoint do not match '
                   'the model: strict loading would fail, nothing was '
                   'written (--allow-unmatched writes it anyway)')
        super().__init__(summary + ('\n' + details if details else ''))
        self.report = report


def fill_training_state(state_dict: Dict[str, torch.Tensor],
                        model: torch.nn.Module) -> List[str]:
    """Add the model's training-state buffers the state dict lacks.

    Args:
        state_dict (dict): Converted keys -> tensors, changed in place.
        model (torch.nn.Module): The target model.

    Returns:
        list[str]: The keys added (see :data:`TRAINING_STATE_PREFIXES`).
    """
    added = []
    for key, value in model.state_dict().items():
        if key.startswith(TRAINING_STATE_PREFIXES) and key not in state_dict:
            state_dict[key] = value.detach().clone().cpu()
            added.append(key)
    return added


def file_sha256(path: str, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(chunk), b''):
            digest.update(block)
    return digest.hexdigest()


def convert_in_memory(src: str,
                      model: Optional[torch.nn.Module] = None,
                      rules: Sequence[Tuple[str, str]] = RENAME_RULES,
                      extra_meta: Optional[Dict[str, Any]] = None
                      ) -> Tuple[Dict[str, Any], ConversionReport]:
    """Convert the BRL / PYSKL checkpoint ``src`` without writing a file.

    Args:
        src (str): Original checkpoint (trusted file, see module docstring).
        model (torch.nn.Module, optional): Model to check the keys against.
        rules (Sequence[tuple[str, str]]): Rename rules. Defaults to
            :data:`RENAME_RULES`.
        extra_meta (dict, optional): Added to the output's ``meta`` (plain
            values only, e.g. the zoo name).

    Returns:
        tuple: ``dict(state_dict=..., meta=...)`` (``meta`` holds
        ``source``, ``source_sha256``, ``renamed`` and the source's own
        ``source_meta``) and the :class:`ConversionReport`.
    """
    checkpoint, missing_classes = load_legacy_checkpoint(src)
    try:
        tensors = extract_state_dict(checkpoint)
    except ValueError as error:
        raise ValueError(f'{src}: {error}') from None
    state_dict, renamed = convert_state_dict(tensors, rules)
    report = ConversionReport(
        num_keys=len(state_dict),
        source_sha256=file_sha256(src),
        renamed=renamed,
        missing_classes=missing_classes,
        dropped_entries=sorted(
            k for k in checkpoint
            if 'state_dict' in checkpoint and k not in ('state_dict',
                                                         'meta')),
        unknown_prefix=[
            k for k in state_dict if not k.startswith(KNOWN_PREFIXES)
        ])
    if model is not None:
        compare_with_model(state_dict, model, report)
        fill_training_state(state_dict, model)
    source_meta = checkpoint.get('meta') if 'state_dict' in checkpoint \
        else None
    meta = dict(
        converted_by='brl_mm.zoo.checkpoint_convert',
        source=osp.basename(src),
        source_sha256=report.source_sha256,
        renamed=dict(renamed),
        source_meta=_plain(source_meta) if source_meta is not None else {})
    meta.update(_plain(dict(extra_meta or {})))
    return dict(state_dict=state_dict, meta=meta), report


def convert_checkpoint(src: str,
                       dst: str,
                       model: Optional[torch.nn.Module] = None,
                       force: bool = False,
                       rules: Sequence[Tuple[str, str]] = RENAME_RULES,
                       extra_meta: Optional[Dict[str, Any]] = None,
                       require_match: bool = False) -> ConversionReport:
    """Convert the BRL / PYSKL checkpoint ``src`` into ``dst``.

    Args:
        src (str): Original checkpoint (trusted file, see module docstring).
        dst (str): Output path; an existing file is kept unless ``force``.
        model (torch.nn.Module, optional): Model to check the keys against.
        force (bool): Overwrite ``dst`` if it exists. Defaults to False.
        rules (Sequence[tuple[str, str]]): Rename rules. Defaults to
            :data:`RENAME_RULES`.
        extra_meta (dict, optional): Added to the output's ``meta``.
        require_match (bool): Write nothing and raise
            :class:`UnmatchedKeysError` if the keys do not match ``model``.

    Returns:
        ConversionReport: What was converted and what did not match.
    """
    if osp.exists(dst) and not force:
        raise FileExistsError(
            f'{dst!r} exists; pass force=True (--force) to overwrite it')
    if osp.abspath(src) == osp.abspath(dst):
        raise ValueError('src and dst are the same file; write elsewhere')
    converted, report = convert_in_memory(src, model, rules, extra_meta)
    if require_match and report.unmatched:
        from ..engine.hooks.checkpoint_fit import (checkpoint_fit_report,
                                                   loss_state_prefixes)
        details = checkpoint_fit_report(
            converted['state_dict'], model.state_dict(),
            runtime_prefixes=loss_state_prefixes(model))
        raise UnmatchedKeysError(report, details)
    with atomic_write(dst, 'wb') as f:
        if osp.exists(dst) and not force:  # appeared meanwhile
            raise FileExistsError(f'{dst!r} exists; pass --force')
        torch.save(converted, f)
    return report
