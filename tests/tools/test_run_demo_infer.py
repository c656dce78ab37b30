"""The last step of tools/run_demo.sh, run as the script runs it: the
tools/infer.py command on five held-out samples of the embedded synthetic
data, with true and predicted class names (on a model trained 1 epoch)."""
import os
import re
import shlex
import subprocess

import pytest

from brl_mm.datasets import generate_synthetic_lt
from brl_mm.testing import PYTHON, REPO, trained_tiny_model


def demo_infer_command():
    """The tools/infer.py command of run_demo.sh (continuation lines
    joined)."""
    text = open(os.path.join(REPO, 'tools', 'run_demo.sh')).read()
    text = text.replace('\\\n', ' ')
    lines = [line for line in text.splitlines()
             if line.startswith('"$PY" tools/infer.py')]
    assert len(lines) == 1, lines
    return lines[0]


@pytest.mark.slow
def test_demo_ends_with_predictions(tmp_path):
    data = str(tmp_path / 'synthetic_lt_ntu.pkl')
    generated = generate_synthetic_lt(data)  # the demo's default data
    config = 'configs/brl/synthetic_lt_cpu.py'
    assert f'CONFIG=${{CONFIG:-{config}}}' in open(
        os.path.join(REPO, 'tools', 'run_demo.sh')).read()
    run = trained_tiny_model(str(tmp_path), config, ann_file=data,
                             num_classes=20)
    values = dict(PY=PYTHON, DATA=data, CONFIG=run['config'],
                  CKPT=run['checkpoint'], WORK_DIR=str(tmp_path))
    command = re.sub(r'"\$(\w+)', lambda m: '"' + values[m.group(1)],
                     demo_infer_command())
    result = subprocess.run(shlex.split(command), cwd=REPO,
                            capture_output=True, text=True, timeout=600,
                            env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert result.returncode == 0, result.stderr[-3000:]
    names = generated['classes']
    for label in (0, 4, 8, 12, 16):  # every 120th of 600 = one per 4 classes
        assert names[label] in result.stdout
    assert re.search(r'top-1 correct: \d of 5', result.stdout)
    assert os.path.isfile(tmp_path / 'predictions.json')
