"""Issue 16 item 6: tools/lt_report.py and tools/ensemble.py on a missing,
unreadable or wrong-typed file: one error line naming the file and what was
expected, exit code 2, no traceback."""
import os.path as osp
import pickle
import subprocess
import sys

import pytest

from brl_mm.testing import REPO


@pytest.mark.parametrize('tool', ['lt_report.py', 'ensemble.py'])
@pytest.mark.parametrize('kind, content, says', [
    ('missing', None, 'not found: expected a tools/test.py --dump file'),
    ('random', b'\x00\x01garbage' * 10, 'cannot be read'),
    ('empty', b'', 'cannot be read'),
    ('dict', pickle.dumps(dict(a=1)), 'is not a prediction dump'),
    ('ints', pickle.dumps([1, 2]), 'is not a tools/test.py --dump file'),
])
def test_bad_dump(tmp_path, tool, kind, content, says):
    path = tmp_path / f'{kind}.pkl'
    if content is not None:
        path.write_bytes(content)
    proc = subprocess.run([sys.executable, osp.join(REPO, 'tools', tool),
                           str(path)], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert 'Traceback' not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith(f'error: {path}') and says in last, last


def test_bad_train_counts(tmp_path):
    tool = osp.join(REPO, 'tools/lt_report.py')
    proc = subprocess.run([sys.executable, tool, 'x.pkl', '--train-counts',
                           '10,a'],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert "--train-counts '10,a': expected comma-separated" in proc.stderr
