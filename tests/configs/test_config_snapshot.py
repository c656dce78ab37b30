"""Proof that the renovation moved nothing by accident (issue 15 item 7).

``tests/data/config_snapshot.json.gz`` holds, taken before the renovation
(``tests/data/snapshot_configs.py``), the fully resolved dict of every leaf
config under ``configs/brl/`` and the type names brl_mm registers. Every leaf
of the snapshot must still exist and resolve to the same *effective* config:
the keys in :data:`COMPARED_KEYS`, compared as JSON (the snapshot script's
``jsonable``: tuples become lists). Differences that are meant are listed in
:data:`INTENDED`: each one is applied to the snapshot's dict before the
comparison, so an intended difference is pinned to its new value, and any
other difference fails with a readable ``path: before -> after`` list.

To add an intended difference, add one ``Intended(...)`` line to
:data:`INTENDED` (the helpers below cover setting a key, an argument of a
custom hook and renaming transform types); do not regenerate the snapshot.
"""
import copy
import fnmatch
import glob
import gzip
import importlib.util
import json
import os.path as osp
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Tuple, Union

import pytest

from brl_mm.testing import REPO, load_config

_SCRIPT = osp.join(REPO, 'tests', 'data', 'snapshot_configs.py')
_spec = importlib.util.spec_from_file_location('snapshot_configs', _SCRIPT)
snapshot_configs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(snapshot_configs)
jsonable = snapshot_configs.jsonable

with gzip.open(snapshot_configs.OUT, 'rt', encoding='utf-8') as _f:
    SNAPSHOT = json.load(_f)

#: The effective config: what mmengine's ``Runner.from_cfg`` (and
#: ``Config.fromfile`` itself: ``custom_imports``) consumes, plus
#: ``modality``, the stream that tests/configs/test_model_zoo.py checks against the
#: metafiles. Everything else in a config file is a helper variable of the
#: config text (``train_pipeline``, ``ann_file``, ``num_classes``, the old
#: ``modality_loaders`` ...), free to come and go; :func:`test_helper_keys`
#: lists the ones that came or went.
COMPARED_KEYS = (
    'model', 'data_preprocessor',
    'train_dataloader', 'val_dataloader', 'test_dataloader',
    'train_cfg', 'val_cfg', 'test_cfg',
    'val_evaluator', 'test_evaluator',
    'optim_wrapper', 'param_scheduler', 'auto_scale_lr',
    'default_hooks', 'custom_hooks',
    'env_cfg', 'default_scope', 'custom_imports', 'randomness', 'launcher',
    'log_processor', 'log_level', 'visualizer', 'vis_backends',
    'load_from', 'resume', 'work_dir', 'experiment_name',
    'modality',
)

# --------------------------------------------------------------------------
# Intended differences: changes applied to the snapshot's config dict.


def _walk(cfg: dict, path: str):
    """The container holding the last key of a dotted ``path`` and that key
    (list items by index: ``custom_hooks.0.switch_epoch``)."""
    *parents, last = path.split('.')
    node = cfg
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node, (int(last) if isinstance(node, list) else last)


def set_key(path: str, value: Any) -> Callable[[dict], None]:
    """Set the value at a dotted path (``model.cls_head.type``)."""
    def change(cfg: dict) -> None:
        node, key = _walk(cfg, path)
        node[key] = copy.deepcopy(value)
    return change


def hook_args(hook_type: str, **args) -> Callable[[dict], None]:
    """Set arguments of the custom hook of a type (``DetachedScheduleHook``)."""
    def change(cfg: dict) -> None:
        hooks = [h for h in cfg['custom_hooks'] if h['type'] == hook_type]
        assert hooks, f'no custom hook {hook_type}'
        for hook in hooks:
            hook.update(copy.deepcopy(args))
    return change


def rename_types(path: str, **old_to_new: str) -> Callable[[dict], None]:
    """Rename the ``type`` of the dicts in the list at a dotted path (a
    pipeline): ``rename_types('...pipeline', PreNormalize3D='X')``."""
    def change(cfg: dict) -> None:
        node, key = _walk(cfg, path)
        for step in node[key]:
            step['type'] = old_to_new.get(step['type'], step['type'])
    return change


@dataclass(frozen=True)
class Intended:
    """A difference between the snapshot and the configs that is meant.

    Args:
        configs: ``fnmatch`` pattern(s) over the configs' repository paths
            (``*`` also crosses ``/``).
        why: What changed and why.
        change: Turns the snapshot's config dict into the intended one.
    """
    configs: Union[str, Tuple[str, ...]]
    why: str
    change: Callable[[dict], None]

    def applies_to(self, config: str) -> bool:
        patterns = (self.configs, ) if isinstance(self.configs, str) \
            else self.configs
        return any(fnmatch.fnmatch(config, p) for p in patterns)


_BASELINE_TRAIN = 'train_dataloader.dataset.dataset.pipeline'

#: One line per intended difference.
INTENDED: List[Intended] = [
    # The baselines are stock mmaction2 ST-GCN++ (configs/_base_/models/
    # stgcnpp.py): GCNHead, not its bit-identical stand-in SyncFreeGCNHead.
    Intended('configs/brl/baselines/*', 'stock GCNHead in the baselines',
             set_key('model.cls_head.type', 'GCNHead')),
    # ... and their train pipeline is the dataset base's
    # stock_train_pipeline: mmaction2's UniformSampleFrames, not the
    # bit-identical FastUniformSampleFrames (PreNormalize3D was stock).
    Intended('configs/brl/baselines/*', 'stock frame sampling (baselines)',
             rename_types(_BASELINE_TRAIN,
                          FastUniformSampleFrames='UniformSampleFrames')),
    # ... with mmaction2's GenSkeFeat where mmaction knows the layout (NTU,
    # COCO), as the BRL configs' joint stream: same arrays as GenSkeFeatK
    # (NW-UCLA keeps GenSkeFeatK; the CPU baseline had GenSkeFeat already).
    Intended(('configs/brl/baselines/ntu*', 'configs/brl/baselines/k400/*'),
             'stock features (baselines)',
             rename_types(_BASELINE_TRAIN, GenSkeFeatK='GenSkeFeat')),
    # Checkpoints are written atomically (temp file + fsync + rename; issue
    # 16): mmengine's CheckpointHook with brl_mm's atomic local backend.
    Intended('configs/brl/*', 'atomic checkpoints (issue 16)',
             set_key('default_hooks.checkpoint.type', 'AtomicCheckpointHook')),
    # The training class counts travel in checkpoint meta (issue 15 item 3):
    # DetachedScheduleHook writes them itself, no config key changes.
]

#: Helper variables (not compared) that are gone on purpose: the pre-built
#: loaders of every stream and the machinery that derived the other
#: skeletons' bases from the NTU one (issue 15 item 6), and lt_split_file of
#: NW-UCLA / K400 (inherited from NTU60, never used by their loaders).
GONE_HELPERS = {
    'modality_loaders', 'stock_train_loaders', 'layout_entries', 'modalities',
    'stae_transforms', 'train_sampling', 'eval_tail', 'feats', 'max_epochs',
    'lt_split_file',
}

# --------------------------------------------------------------------------


def effective(cfg: dict) -> Dict[str, Any]:
    """The compared part of a resolved config dict, as JSON values."""
    cfg = jsonable(cfg)
    return {k: cfg[k] for k in COMPARED_KEYS if k in cfg}


def expected(config: str) -> Dict[str, Any]:
    """The snapshot's effective config with the intended differences."""
    cfg = copy.deepcopy(SNAPSHOT['configs'][config])
    for intended in INTENDED:
        if intended.applies_to(config):
            intended.change(cfg)
    return effective(cfg)


def differences(before: Any, after: Any, path: str = '') -> List[str]:
    """Readable ``path: before -> after`` lines, one per differing leaf."""
    if isinstance(before, dict) and isinstance(after, dict):
        lines = []
        for key in sorted(set(before) | set(after)):
            sub = f'{path}.{key}' if path else key
            if key not in after:
                lines.append(f'{sub}: {before[key]!r} -> (gone)')
            elif key not in before:
                lines.append(f'{sub}: (new) -> {after[key]!r}')
            else:
                lines += differences(before[key], after[key], sub)
        return lines
    if (isinstance(before, list) and isinstance(after, list)
            and len(before) == len(after)):
        return [line for i, (b, a) in enumerate(zip(before, after))
                for line in differences(b, a, f'{path}.{i}')]
    return [] if before == after else [f'{path}: {before!r} -> {after!r}']


def current_configs() -> List[str]:
    paths = glob.glob(osp.join(REPO, 'configs', 'brl', '**', '*.py'),
                      recursive=True)
    return sorted(osp.relpath(p, REPO) for p in paths)


SNAPSHOT_CONFIGS = sorted(SNAPSHOT['configs'])


@pytest.mark.parametrize('config', SNAPSHOT_CONFIGS)
def test_config_resolves_as_in_snapshot(config):
    path = osp.join(REPO, config)
    assert osp.isfile(path), f'{config} is gone (users and metafiles ' \
        'point at it): keep its name and path'
    after = effective(load_config(path).to_dict())
    lines = differences(expected(config), after)
    assert not lines, (
        f'{config} resolves differently from tests/data/'
        'config_snapshot.json.gz (snapshot + INTENDED -> now):\n  ' +
        '\n  '.join(lines) + '\nIf this is meant, add an Intended(...) line '
        'to INTENDED in tests/configs/test_config_snapshot.py.')


def test_intended_differences_apply():
    """Every INTENDED entry matches a config of the snapshot and changes it
    (a stale entry would hide nothing but mislead the reader)."""
    for intended in INTENDED:
        matched = [c for c in SNAPSHOT_CONFIGS if intended.applies_to(c)]
        assert matched, f'{intended.why}: no config matches ' \
            f'{intended.configs!r}'
        changed = []
        for config in matched:
            cfg = copy.deepcopy(SNAPSHOT['configs'][config])
            intended.change(cfg)
            if cfg != SNAPSHOT['configs'][config]:
                changed.append(config)
        assert changed, f'{intended.why}: changes none of {len(matched)} ' \
            'configs'


def test_configs_added_since_the_snapshot_are_listed(capsys):
    """New configs are allowed; they are listed (``pytest -s``) so the reader
    sees what the snapshot does not cover."""
    added = sorted(set(current_configs()) - set(SNAPSHOT_CONFIGS))
    with capsys.disabled():
        print(f'\n{len(added)} config(s) not in the snapshot' +
              ''.join(f'\n  {c}' for c in added))
    for config in added:  # they resolve at least
        assert effective(load_config(osp.join(REPO, config)).to_dict())


def test_helper_keys(capsys):
    """Only the helper variables of GONE_HELPERS are gone; the ones that
    came are listed (``pytest -s``)."""
    came, went = set(), set()
    for config in SNAPSHOT_CONFIGS:
        before = set(SNAPSHOT['configs'][config]) - set(COMPARED_KEYS)
        after = set(load_config(osp.join(REPO, config)).to_dict()) - \
            set(COMPARED_KEYS)
        came |= after - before
        went |= before - after
    with capsys.disabled():
        print(f'\nhelper keys gone: {sorted(went)}; new: {sorted(came)}')
    assert went <= GONE_HELPERS, f'gone unexpectedly: {went - GONE_HELPERS}'


def test_registered_type_names_are_still_registered():
    """Every type name brl_mm registered at the snapshot is still registered
    in the same registry (registered type names never change)."""
    now = snapshot_configs.registered_names()
    missing = {registry: sorted(set(names) - set(now.get(registry, ())))
               for registry, names in SNAPSHOT['registry'].items()}
    missing = {k: v for k, v in missing.items() if v}
    assert not missing, f'no longer registered: {missing}'
