"""Issue 16 item 2: an unreadable or foreign checkpoint is named and
described before anything is unpickled; the fallback message names the
objects the file really holds."""
import os
import pickle

import numpy as np
import pytest
import torch

from brl_mm.compat import (UnreadableCheckpointError, describe_checkpoint_file,
                           load_from_local_trusted)
from brl_mm.compat.checkpoint_loading import pickled_globals


class _RunsCode:
    """Unpickling this creates a marker file (what a hostile pickle does)."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, 'w'))


@pytest.fixture
def files(tmp_path):
    good = tmp_path / 'good.pth'
    torch.save(dict(meta=dict(seed=np.int64(0)),
                    state_dict=dict(w=torch.ones(3))), good)
    data = good.read_bytes()
    paths = dict(good=good)
    paths['truncated'] = tmp_path / 'epoch_3.pth'
    paths['truncated'].write_bytes(data[:len(data) // 2])
    paths['empty'] = tmp_path / 'empty.pth'
    paths['empty'].write_bytes(b'')
    paths['random'] = tmp_path / 'random.pth'
    paths['random'].write_bytes(np.random.default_rng(0).bytes(4096))
    paths['dump'] = tmp_path / 'preds.pth'
    paths['dump'].write_bytes(pickle.dumps([dict(pred_score=[1.0])]))
    paths['hostile'] = tmp_path / 'hostile.pth'
    paths['hostile'].write_bytes(
        pickle.dumps([_RunsCode(str(tmp_path / 'MARKER'))]))
    paths['html'] = tmp_path / 'page.pth'
    paths['html'].write_text('<html><body>404 Not Found</body></html>')
    damaged = bytearray(data)
    damaged[data.index(b'\x00\x00\x80?') + 2] ^= 0xFF  # a weight's byte
    paths['crc'] = tmp_path / 'crc.pth'
    paths['crc'].write_bytes(bytes(damaged))
    return {k: str(v) for k, v in paths.items()}


@pytest.mark.parametrize('kind, says', [
    ('truncated', 'truncated or damaged zip archive'),
    ('empty', 'an empty file (0 bytes)'),
    ('random', 'not a torch checkpoint: an unknown format'),
    ('dump', 'a pickled list, not a torch checkpoint'),
    ('hostile', 'a pickled list, not a torch checkpoint'),
    ('html', 'a text file'),
    ('crc', 'fails its CRC check'),
])
def test_bad_files_are_named_and_described(files, tmp_path, kind, says):
    assert says in describe_checkpoint_file(files[kind])
    with pytest.raises(UnreadableCheckpointError) as error:
        load_from_local_trusted(files[kind])
    assert files[kind] in str(error.value) and says in str(error.value)
    assert not (tmp_path / 'MARKER').exists()  # nothing was unpickled


def test_good_and_legacy_checkpoints_pass(files, tmp_path):
    assert describe_checkpoint_file(files['good']) is None
    legacy = str(tmp_path / 'legacy.pth')
    torch.save(dict(w=torch.ones(2)), legacy,
               _use_new_zipfile_serialization=False)
    assert describe_checkpoint_file(legacy) is None
    assert torch.equal(load_from_local_trusted(legacy)['w'], torch.ones(2))


def test_fallback_names_the_objects_it_holds(files, monkeypatch):
    import mmengine.logging
    said = []
    monkeypatch.setattr(mmengine.logging, 'print_log',
                        lambda msg, **kwargs: said.append(msg))
    objects = pickled_globals(files['good'])
    assert any(o.startswith('numpy') for o in objects)
    assert not any(o.startswith('torch') for o in objects)
    loaded = load_from_local_trusted(files['good'])
    assert torch.equal(loaded['state_dict']['w'], torch.ones(3))
    out = ''.join(said)
    assert 'holds Python objects besides tensors (numpy' in out
    assert 'as every mmengine checkpoint does' not in out


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_from_local_trusted(str(tmp_path / 'nope.pth'))
    assert not os.path.exists(tmp_path / 'nope.pth')
