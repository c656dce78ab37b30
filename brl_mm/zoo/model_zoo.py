"""Model-zoo names and the ``brl://NAME`` checkpoint scheme.

The zoo is the set of entries of the ``configs/**/metafile.yml`` files
(``model-index.yml``): each name (e.g. ``brl_stgcnpp_ntu60-xsub-lt100_j``)
picks a config and its stream. Entries whose checkpoint the BRL authors
released carry an ``Official Checkpoint`` block: the release folder of the
BRL README (``Source``) and the top-1 it reports (``Expected Top 1
Accuracy``), plus ``SHA256`` where the official file's hash is known (none
is known yet: brl-mm cannot download the files).

``brl://NAME`` (``load_from='brl://NAME'``, ``tools/test.py CONFIG
brl://NAME``, :func:`brl_mm.apis.init_recognizer`) reads the official file
the user downloaded to ``$BRL_MM_HOME/official/NAME.pth`` (``BRL_MM_HOME``
defaults to ``~/.cache/brl_mm``), converts it in memory
(:mod:`brl_mm.zoo.checkpoint_convert`) and checks its sha256 when the
expected one is known; when the file is missing the error says where to
download it and where to put it.
"""
import os
import os.path as osp
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, List, Optional

from mmengine.logging import print_log
from mmengine.runner import CheckpointLoader

from .checkpoint_convert import convert_in_memory

__all__ = [
    'ZooEntry', 'BRL_SCHEME', 'configs_root', 'zoo_entries', 'get_zoo_entry',
    'brl_mm_home', 'official_checkpoint_path', 'load_from_brl_zoo'
]

#: The checkpoint scheme registered with mmengine's ``CheckpointLoader``.
BRL_SCHEME = 'brl://'


@dataclass(frozen=True)
class ZooEntry:
    """One metafile entry.

    Attributes:
        name (str): The zoo name (metafile ``Name``).
        config (str): The config, relative to the repository root.
        config_path (str): The config's absolute path.
        stream (str): ``Metadata.Stream`` (joint, bone, ...).
        source (str, optional): Where the official checkpoint is released
            (the BRL README's folder for the benchmark); None without one.
        expected_top1 (float, optional): The top-1 (%) the BRL authors
            report for that checkpoint (not measured by us).
        sha256 (str, optional): The official file's sha256, where known.
        released_config (str, optional): The BRL config it was trained with.
    """

    name: str
    config: str
    config_path: str
    stream: str = ''
    source: Optional[str] = None
    expected_top1: Optional[float] = None
    sha256: Optional[str] = None
    released_config: Optional[str] = None

    @property
    def has_official_checkpoint(self) -> bool:
        """Whether the BRL authors released a checkpoint for this entry."""
        return self.source is not None


def configs_root() -> str:
    """The repository root that holds ``configs/`` and ``model-index.yml``:
    ``$BRL_MM_REPO`` when set, else the source checkout of this package (an
    editable install)."""
    root = os.environ.get('BRL_MM_REPO') or osp.dirname(
        osp.dirname(osp.dirname(osp.abspath(__file__))))
    if not osp.isfile(osp.join(root, 'model-index.yml')):
        raise FileNotFoundError(
            f'no model-index.yml in {root}: zoo names need the brl-mm source '
            'checkout (install it with `pip install -e .`, or set '
            'BRL_MM_REPO to the checkout)')
    return root


@lru_cache(maxsize=4)
def _read_zoo(root: str) -> Dict[str, ZooEntry]:
    import yaml
    with open(osp.join(root, 'model-index.yml'), encoding='utf-8') as f:
        files = yaml.safe_load(f)['Import']
    entries: Dict[str, ZooEntry] = {}
    for rel in files:
        with open(osp.join(root, rel), encoding='utf-8') as f:
            models = (yaml.safe_load(f) or {}).get('Models') or []
        for model in models:
            official = model.get('Official Checkpoint') or {}
            top1 = official.get('Expected Top 1 Accuracy')
            entries[model['Name']] = ZooEntry(
                name=model['Name'],
                config=model['Config'],
                config_path=osp.join(root, model['Config']),
                stream=(model.get('Metadata') or {}).get('Stream', ''),
                source=official.get('Source'),
                expected_top1=float(top1) if top1 is not None else None,
                sha256=official.get('SHA256'),
                released_config=official.get('Released Config'))
    return entries


def zoo_entries(official_only: bool = False) -> List[ZooEntry]:
    """Every zoo entry, sorted by name.

    Args:
        official_only (bool): Only entries with an official checkpoint.

    Returns:
        list[ZooEntry]: The entries.
    """
    entries = sorted(_read_zoo(configs_root()).values(),
                     key=lambda e: e.name)
    return [e for e in entries
            if e.has_official_checkpoint or not official_only]


def get_zoo_entry(name: str) -> ZooEntry:
    """The entry of a zoo name (``brl://`` prefix allowed).

    Args:
        name (str): E.g. ``'brl_stgcnpp_ntu60-xsub-lt100_j'``.

    Returns:
        ZooEntry: The entry.

    Raises:
        KeyError: For an unknown name, listing close matches.
    """
    import difflib
    name = name[len(BRL_SCHEME):] if name.startswith(BRL_SCHEME) else name
    entries = _read_zoo(configs_root())
    if name not in entries:
        close = difflib.get_close_matches(name, list(entries), n=5)
        raise KeyError(
            f'{name!r} is neither a file nor a brl-mm zoo name. '
            + (f'Did you mean {close}? ' if close else '')
            + 'Names are the `Name:` entries of configs/**/metafile.yml '
            '(e.g. brl_stgcnpp_ntu60-xsub-lt100_j).')
    return entries[name]


def brl_mm_home() -> str:
    """``$BRL_MM_HOME``, default ``~/.cache/brl_mm``."""
    return osp.expanduser(
        os.environ.get('BRL_MM_HOME', osp.join('~', '.cache', 'brl_mm')))


def official_checkpoint_path(name: str) -> str:
    """Where the user puts the downloaded official file of ``name``:
    ``$BRL_MM_HOME/official/NAME.pth``."""
    return osp.join(brl_mm_home(), 'official',
                    f'{get_zoo_entry(name).name}.pth')


def load_from_brl_zoo(filename: str, map_location=None) -> Dict:
    """Load ``brl://NAME``: the user's official file, converted in memory.

    Args:
        filename (str): ``brl://NAME``.
        map_location: Ignored (tensors are loaded on the CPU; mmengine
            moves them with the model).

    Returns:
        dict: ``dict(state_dict=..., meta=...)`` as
        :func:`~brl_mm.zoo.checkpoint_convert.convert_in_memory` returns
        it; ``meta`` also has ``zoo_name``, ``expected_top1`` and
        ``sha256_checked``.
    """
    entry = get_zoo_entry(filename)
    if not entry.has_official_checkpoint:
        raise FileNotFoundError(
            f'{entry.name} has no official BRL checkpoint (no "Official '
            'Checkpoint" in its metafile entry); zoo names with one: '
            f'{[e.name for e in zoo_entries(official_only=True)][:6]} ...')
    path = official_checkpoint_path(entry.name)
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'the official checkpoint of {entry.name} is not at {path}. '
            f'Download the {entry.stream or "matching"} stream\'s file '
            f'(BRL config {entry.released_config}) from the BRL release '
            f'folder {entry.source} and save it as {path} (set BRL_MM_HOME '
            'to use another folder than ~/.cache/brl_mm).')
    converted, report = convert_in_memory(
        path, extra_meta=dict(zoo_name=entry.name,
                              expected_top1=entry.expected_top1))
    digest = converted['meta']['source_sha256']
    if entry.sha256 is not None and digest != entry.sha256.lower():
        raise ValueError(
            f'{path} has sha256 {digest}, but the official file of '
            f'{entry.name} has {entry.sha256}: the download is incomplete or '
            f'another file; download it again from {entry.source}')
    converted['meta']['sha256_checked'] = entry.sha256 is not None
    print_log(
        f'brl://{entry.name}: converted {path} ({report.num_keys} tensors, '
        f'sha256 {digest}; '
        + ('matches the official file' if entry.sha256 else
           'the official sha256 is unknown to brl-mm, so the file is not '
           'verified: record this hash') + ')', logger='current')
    return converted


CheckpointLoader.register_scheme(prefixes=BRL_SCHEME,
                                 loader=load_from_brl_zoo, force=True)
