"""tools/data/build_store.py and generate_synthetic_lt.py --store."""
import contextlib
import io
import os
import pickle
import subprocess

import numpy as np

from brl_mm.datasets import SkeletonStore
from brl_mm.testing import PYTHON, REPO, load_tool, write_skeleton_pickle

BUILD = os.path.join(REPO, 'tools', 'data', 'build_store.py')
GENERATE = os.path.join(REPO, 'tools', 'data', 'generate_synthetic_lt.py')


TOOLS = {BUILD: load_tool('data/build_store'),
         GENERATE: load_tool('data/generate_synthetic_lt')}


class Result:
    """What a command-line run gave: exit code, stdout, stderr."""

    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def run(tool, *args):
    """Run a tool's ``main`` in this process (an exception would fail the
    test: the tools must turn bad input into exit code 2)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = TOOLS[tool].main(list(args))
    return Result(code, out.getvalue(), err.getvalue())


def test_command_line_exit_code_and_message(tmp_path):
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1')
    r = subprocess.run(
        [PYTHON, BUILD, str(tmp_path / 'missing.pkl'), str(tmp_path / 's')],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=300)
    assert r.returncode == 2
    assert r.stderr.startswith('error: skeleton annotation file ')
    assert 'Traceback' not in r.stderr


def test_build_check_and_refuse_to_overwrite(tmp_path):
    pkl = str(tmp_path / 'p.pkl')
    ids = write_skeleton_pickle(pkl, [0, 1, 1, 2], dict(train=[0, 1, 2],
                                                        val=[3]),
                                classes=['a', 'b', 'c'])
    out = str(tmp_path / 's')
    r = run(BUILD, pkl, out, '--check')
    assert r.returncode == 0, r.stderr
    assert 'check: all 4 samples equal' in r.stdout
    store = SkeletonStore(out)
    assert store.classes == ['a', 'b', 'c']
    assert store.split_rows('train').tolist() == [0, 1, 2]
    assert store.strings('frame_dir') == ids

    before = os.stat(os.path.join(out, 'manifest.json')).st_mtime_ns
    r = run(BUILD, pkl, out)
    assert r.returncode == 2
    assert r.stderr.strip() == (f'error: {out} exists; pass --force to '
                                'overwrite it')
    assert os.stat(os.path.join(out, 'manifest.json')).st_mtime_ns == before
    r = run(BUILD, pkl, out, '--force', '--dtype', 'float16')
    assert r.returncode == 0, r.stderr
    assert SkeletonStore(out).fields['keypoint']['dtype'] == '<f2'


def test_bad_inputs_exit_2_without_traceback(tmp_path):
    junk = tmp_path / 'junk.pkl'
    junk.write_bytes(b'not a pickle at all')
    odd = str(tmp_path / 'odd.pkl')
    with open(odd, 'wb') as f:
        pickle.dump(dict(annotations=[dict(
            frame_dir='x', label=0, total_frames=1, valid={0.5: 1},
            keypoint=np.ones((1, 1, 25, 3), np.float32))]), f)
    cases = [
        ((str(tmp_path / 'missing.pkl'), ), 'not found'),
        ((str(junk), ), 'corrupt or truncated'),
        ((odd, ), '--drop-field valid'),
    ]
    for args, message in cases:
        r = run(BUILD, *args, str(tmp_path / 'out'))
        assert r.returncode == 2, r.stderr
        assert message in r.stderr and 'Traceback' not in r.stderr
        assert not os.path.exists(tmp_path / 'out')
    r = run(BUILD, odd, str(tmp_path / 'out'), '--drop-field', 'valid')
    assert r.returncode == 0, r.stderr


def test_unmatched_split_ids_are_reported(tmp_path):
    pkl = str(tmp_path / 'p.pkl')
    write_skeleton_pickle(pkl, [0, 1], dict(train=[0, 1]))
    with open(pkl, 'rb') as f:
        raw = pickle.load(f)
    raw['split']['train'].append('S999C001P001R001A001')
    with open(pkl, 'wb') as f:
        pickle.dump(raw, f)
    r = run(BUILD, pkl, str(tmp_path / 's'))
    assert r.returncode == 0, r.stderr
    assert "1 ids of split 'train' name no annotation" in r.stderr


def test_generator_streams_the_same_samples_into_a_store(tmp_path):
    args = ['--num-classes', '3', '--n-max', '4', '--imbalance-factor', '2',
            '--val-per-class', '1', '--min-frames', '8', '--max-frames', '12',
            '--layout', 'coco']
    pkl, out = str(tmp_path / 'p.pkl'), str(tmp_path / 's')
    assert run(GENERATE, pkl, *args).returncode == 0
    r = run(GENERATE, '--store', out, *args)
    assert r.returncode == 0, r.stderr
    assert 'xsub_train 8' in r.stdout
    with open(pkl, 'rb') as f:
        raw = pickle.load(f)
    store = SkeletonStore(out)
    assert store.classes == raw['classes']
    for row, ann in enumerate(raw['annotations']):
        got = store.sample(row)
        assert got.keys() == ann.keys()
        for key, value in ann.items():
            if isinstance(value, np.ndarray):
                assert got[key].tobytes() == value.tobytes()
            else:
                assert got[key] == value
    for name, ids in raw['split'].items():
        assert [store.strings('frame_dir')[r]
                for r in store.split_rows(name)] == ids
    r = run(GENERATE, '--store', out, *args)
    assert r.returncode == 2 and 'pass force=True (--force)' in r.stderr
    r = run(GENERATE, pkl, '--store', out)
    assert r.returncode == 2 and 'not both' in r.stderr
