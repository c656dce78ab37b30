"""Write the resolved-config snapshot that ``tests/configs/test_config_snapshot.py``
compares every leaf config with (issue 15: proof that the renovation moved
nothing by accident).

Run from the repository root: ``python tests/data/snapshot_configs.py``.
It writes ``tests/data/config_snapshot.json.gz``: for every config under
``configs/brl/`` the fully resolved config dict (``Config.to_dict()``, every
``_base_`` merged), and the type names brl_mm registers in each of mmaction's
registries. Re-run it only when a config is meant to change, and say why in
the commit.
"""
import glob
import gzip
import json
import os.path as osp
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
OUT = osp.join(REPO, 'tests', 'data', 'config_snapshot.json.gz')


def jsonable(value):
    """Config values as JSON (tuples become lists, other objects repr)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


def registered_names() -> dict:
    """Type names registered by brl_mm, per registry (mmaction's and
    mmengine's root registries, e.g. ``FUNCTIONS`` for the collate and
    worker-init functions)."""
    import brl_mm  # noqa: F401
    import mmengine.registry as root
    from mmaction import registry
    names = {}
    for module, prefix in ((registry, 'mmaction'), (root, 'mmengine')):
        for attr in dir(module):
            reg = getattr(module, attr)
            if not attr.isupper() or not hasattr(reg, 'module_dict'):
                continue
            found = sorted(
                name for name, obj in reg.module_dict.items()
                if getattr(obj, '__module__', '').startswith('brl_mm'))
            if found:
                names[f'{prefix}.{attr}'] = found
    return names


def main() -> None:
    sys.path.insert(0, REPO)
    import brl_mm  # noqa: F401
    from mmengine.config import Config
    configs = sorted(glob.glob(osp.join(REPO, 'configs', 'brl', '**', '*.py'),
                               recursive=True))
    snapshot = dict(configs={}, registry=registered_names())
    for path in configs:
        cfg = Config.fromfile(path, format_python_code=False)
        snapshot['configs'][osp.relpath(path, REPO)] = jsonable(cfg.to_dict())
    with gzip.open(OUT, 'wt', encoding='utf-8') as f:
        json.dump(snapshot, f, sort_keys=True)
    print(f'{len(configs)} configs -> {OUT}')


if __name__ == '__main__':
    main()
