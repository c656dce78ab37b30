"""The one way tools, tests and benchmarks load a config."""
import difflib
import os
import os.path as osp

from mmengine.config import Config

__all__ = ['load_config']


def load_config(path: str) -> Config:
    """``Config.fromfile`` without yapf re-formatting of the config text,
    with a clear error for a config path that does not exist.

    The Runner would otherwise re-format the text each time it logs or dumps
    the config (seconds for a BRL config); brl_mm's ``config_format_flag``
    compat shim makes mmengine 0.10.7 honour ``format_python_code=False``.

    Args:
        path (str): The config file.

    Raises:
        FileNotFoundError: Naming the path, where it was looked for and the
            closest file name in that folder.

    Returns:
        Config: The loaded config.
    """
    if not osp.isfile(path):
        folder = osp.dirname(path) or '.'
        near = difflib.get_close_matches(
            osp.basename(path),
            os.listdir(folder) if osp.isdir(folder) else [], n=1)
        hint = (f' (did you mean {osp.join(osp.dirname(path), near[0])}?)'
                if near else '')
        raise FileNotFoundError(
            f'config {path} not found (looked in {osp.abspath(path)}){hint}')
    return Config.fromfile(path, format_python_code=False)
