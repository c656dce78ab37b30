"""Model zoo: zoo names (the metafile entries), the ``brl://NAME`` checkpoint
scheme, and the converter of the original BRL / PYSKL checkpoints."""
from .checkpoint_convert import (ConversionReport, build_model_from_config,
                                 compare_with_model, convert_checkpoint,
                                 convert_in_memory, convert_state_dict,
                                 extract_state_dict, file_sha256,
                                 fill_training_state,
                                 load_legacy_checkpoint, UnmatchedKeysError)
from .model_zoo import (BRL_SCHEME, ZooEntry, brl_mm_home, configs_root,
                        get_zoo_entry, load_from_brl_zoo,
                        official_checkpoint_path, zoo_entries)

__all__ = [
    'ConversionReport', 'build_model_from_config', 'compare_with_model',
    'convert_checkpoint', 'convert_in_memory', 'convert_state_dict',
    'extract_state_dict', 'file_sha256', 'load_legacy_checkpoint',
    'UnmatchedKeysError', 'fill_training_state',
    'BRL_SCHEME', 'ZooEntry', 'brl_mm_home', 'configs_root', 'get_zoo_entry',
    'load_from_brl_zoo', 'official_checkpoint_path', 'zoo_entries'
]
