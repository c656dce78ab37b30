"""Every bash / python command of README.md's "Use a trained model" section,
run as written with its paths mapped onto tiny stand-ins (a model trained
one epoch, tiny data, a fake official BRL file). tools/train.py, the first
command, is run by tests/e2e/test_end_to_end.py."""
import json
import os
import os.path as osp
import re
import subprocess

import numpy as np
import pytest
import torch

from brl_mm.apis import init_recognizer
from brl_mm.testing import (PYTHON, REPO, fake_brl_state_dict, load_config,
                            shrink_config, trained_tiny_model,
                            write_skeleton_pickle)

DOC = osp.join(REPO, 'README.md')


def blocks(language):
    text = open(DOC, encoding='utf-8').read()
    text = text[text.index('## Use a trained model'):]
    text = text[:text.index('\n## ', 1)]
    return re.findall(rf'```{language}\n(.*?)```', text, flags=re.S)


@pytest.fixture(scope='module')
def stand_ins(tmp_path_factory):
    """Doc path -> tiny stand-in path (longest first)."""
    tmp = tmp_path_factory.mktemp('readme')
    tiny = trained_tiny_model(str(tmp / 'syn'),
                              'configs/brl/synthetic_lt_cpu.py')
    np.save(tmp / 'clip.npy', np.random.default_rng(0).standard_normal(
        (1, 20, 25, 3)).astype(np.float32))
    # a 2D (COCO-17) model and an mmpose predictions JSON
    cfg = load_config(f'{REPO}/configs/brl/k400/brl_stgcnpp_k400_j.py')
    shrink_config(cfg, 'unused.pkl', 3)
    cfg.dump(str(tmp / 'k400.py'))
    torch.save(dict(state_dict=init_recognizer(cfg).state_dict()),
               str(tmp / 'k400.pth'))
    rng = np.random.default_rng(1)
    (tmp / 'video.json').write_text(json.dumps([dict(frame_id=t, instances=[
        dict(keypoints=rng.uniform(0, 1000, (17, 2)).tolist(),
             keypoint_scores=rng.uniform(0.3, 1, 17).tolist())])
        for t in range(10)]))
    # the NTU-60 config, testing 4 tiny samples instead of NTU's xsub_val
    write_skeleton_pickle(str(tmp / 'ntu60_tiny.pkl'), [0, 1, 2, 3],
                          dict(xsub_train=range(4), xsub_val=range(4)))
    ntu60 = 'configs/brl/ntu60_xsub_lt/brl_stgcnpp_ntu60-xsub-lt100_j.py'
    (tmp / 'ntu60_j.py').write_text(
        f"_base_ = '{REPO}/{ntu60}'\n"
        f"test_dataloader = dict(num_workers=0, persistent_workers=False, "
        f"dataset=dict(ann_file='{tmp}/ntu60_tiny.pkl'))\n")
    official = fake_brl_state_dict('stgcnpp')
    if official is not None:
        torch.save(dict(meta=dict(epoch=16), state_dict=official),
                   str(tmp / 'j.pth'))
    return tmp, {
        'configs/brl/synthetic_lt_cpu.py': tiny['config'],
        'work_dirs/syn/epoch_8.pth': tiny['checkpoint'],
        'data/skeleton/synthetic_lt_ntu.pkl': tiny['pickle'],
        'work_dirs/syn/': f'{tmp}/syn/',
        'work_dirs/j/config.py': tiny['config'],
        'work_dirs/j/epoch_24.pth': tiny['checkpoint'],
        'work_dirs/b/config.py': tiny['config'],
        'work_dirs/b/epoch_24.pth': tiny['checkpoint'],
        'clip.npy': f'{tmp}/clip.npy',
        'configs/brl/k400/brl_stgcnpp_k400_j.py': f'{tmp}/k400.py',
        'work_dirs/k400_j/epoch_150.pth': f'{tmp}/k400.pth',
        'poses/video.json': f'{tmp}/video.json',
        '~/.cache/brl_mm': f'{tmp}/home',
        f'{ntu60} ': f'{tmp}/ntu60_j.py ',
        'cp j.pth': f'cp {tmp}/j.pth',
        '--zoo brl_stgcnpp_ntu60-xsub-lt100_j j.pth':
            f'--zoo brl_stgcnpp_ntu60-xsub-lt100_j {tmp}/j.pth',
        'work_dirs/ntu60_j.pth': f'{tmp}/ntu60_converted.pth',
    }


def substitute(line, table):
    for old in sorted(table, key=len, reverse=True):
        line = line.replace(old, table[old])
    return line


@pytest.mark.slow
def test_every_shell_command(stand_ins):
    tmp, table = stand_ins
    commands = [line for block in blocks('bash')
                for line in block.splitlines() if line.strip()]
    assert commands[0].startswith('python tools/train.py ')
    assert 'tools/train.py' in open(
        osp.join(REPO, 'tests', 'e2e', 'test_end_to_end.py')).read()
    needs_official = any('j.pth' in c for c in commands)
    if needs_official and not (tmp / 'j.pth').exists():
        pytest.skip('../shared/data/brl_checkpoint_layout is absent')
    env = dict(os.environ, OMP_NUM_THREADS='1',
               BRL_MM_HOME=f'{tmp}/home')
    outputs = []
    for command in commands[1:]:
        line = substitute(command, table)
        assert 'work_dirs/' not in line and '~' not in line, line
        line = re.sub(r'^python ', f'{PYTHON} ', line)
        result = subprocess.run(['bash', '-c', line], cwd=REPO,
                                capture_output=True, text=True, timeout=600,
                                env=env)
        assert result.returncode == 0, (command, result.stderr[-3000:])
        outputs.append(result.stdout + result.stderr)
    joined = '\n'.join(outputs)
    assert 'top-1 correct' in joined and 'max abs difference' in joined
    assert 'strict load of' in joined
    assert 'brl://brl_stgcnpp_ntu60-xsub-lt100_j: converted' in joined
    assert osp.isfile(f'{tmp}/syn/predictions.json')
    assert osp.isfile(f'{tmp}/syn/model.onnx')


def test_python_example(stand_ins):
    _, table = stand_ins
    (code, ) = blocks('python')
    namespace = dict(keypoints=np.zeros((1, 20, 25, 3), np.float32))
    exec(substitute(code, table).replace('print(', 'found = ('), namespace)
    names, scores = namespace['found']
    assert len(names) == 4 and scores == sorted(scores, reverse=True)
