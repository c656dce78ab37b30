"""tools/convert_brl_checkpoint.py --zoo NAME IN OUT: the zoo entry's config
and stream, a strict load, the source's sha256 in the output's meta."""
import hashlib
import subprocess

import pytest
import torch

from brl_mm.testing import PYTHON, REPO, fake_brl_state_dict
from brl_mm.zoo import get_zoo_entry

NAME = 'brl_ctrgcn_ntu60-xsub-lt100_j'


def run_tool(*args):
    return subprocess.run(
        [PYTHON, 'tools/convert_brl_checkpoint.py', *args], cwd=REPO,
        capture_output=True, text=True, timeout=600,
        env=dict(__import__('os').environ, OMP_NUM_THREADS='1'))


def fake_original(tmp_path, backbone, num_classes=60):
    state = fake_brl_state_dict(backbone, num_classes)
    if state is None:
        pytest.skip('../shared/data/brl_checkpoint_layout is absent')
    path = tmp_path / f'{backbone}_{num_classes}.pth'
    torch.save(dict(meta=dict(epoch=16), state_dict=state), str(path))
    return str(path), state


@pytest.mark.slow
def test_zoo_conversion(tmp_path):
    src, state = fake_original(tmp_path, 'ctrgcn')
    dst = str(tmp_path / 'out.pth')
    result = run_tool('--zoo', NAME, src, dst)
    assert result.returncode == 0, result.stderr[-2000:]
    entry = get_zoo_entry(NAME)
    assert f'config {entry.config}' in result.stdout
    assert f'strict load of {dst} into {NAME}: ok' in result.stdout
    meta = torch.load(dst, weights_only=True)['meta']
    assert meta['source_sha256'] == hashlib.sha256(
        open(src, 'rb').read()).hexdigest()
    assert meta['zoo_name'] == NAME and meta['zoo_stream'] == 'joint'
    assert meta['expected_top1'] == 76.9
    assert meta['official_source'] == entry.source
    saved = torch.load(dst, weights_only=True)['state_dict']
    assert torch.equal(saved['cls_head.fc.weight'],
                       state['cls_head.fc_cls.weight'])
    # an existing output is kept without --force
    assert run_tool('--zoo', NAME, src, dst).returncode == 2


@pytest.mark.slow
def test_wrong_file_for_the_name_writes_nothing(tmp_path):
    # an NTU-120 head for an NTU-60 name, and another backbone
    for backbone, classes in (('ctrgcn', 120), ('stgcnpp', 60)):
        src, _ = fake_original(tmp_path, backbone, classes)
        dst = tmp_path / f'out_{backbone}.pth'
        result = run_tool('--zoo', NAME, src, str(dst))
        assert result.returncode == 2
        assert 'nothing was written' in result.stderr
        assert 'Traceback' not in result.stderr
        assert not dst.exists()


def test_unknown_zoo_name(tmp_path):
    result = run_tool('--zoo', 'brl_ctrgcn_ntu60-xsub-lt100_jx', 'a', 'b')
    assert result.returncode == 2 and 'Did you mean' in result.stderr
    assert 'Traceback' not in result.stderr
