"""The one way tools, tests and benchmarks load a config."""
from mmengine.config import Config

__all__ = ['load_config']


def load_config(path: str) -> Config:
    """``Config.fromfile`` without yapf re-formatting of the config text.

    The Runner would otherwise re-format the text each time it logs or dumps
    the config (seconds for a BRL config); brl_mm's ``config_format_flag``
    compat shim makes mmengine 0.10.7 honour ``format_python_code=False``.

    Args:
        path (str): The config file.

    Returns:
        Config: The loaded config.
    """
    return Config.fromfile(path, format_python_code=False)
