"""A multi-stream ensemble at inference equals tools/test.py --dump per
stream followed by tools/ensemble.py on the same samples."""
import os
import subprocess

import numpy as np
import pytest

from brl_mm.apis import (inference_ensemble, init_ensemble,
                         init_recognizer, predict_scores)
from brl_mm.apis.inputs import read_skeleton_pickle
from brl_mm.evaluation import load_dump
from brl_mm.testing import PYTHON, REPO, TINY_CLASSES, trained_tiny_model

STREAMS = {s: f'configs/brl/ntu60_xsub_lt/brl_stgcnpp_ntu60-xsub-lt100_{s}.py'
           for s in ('j', 'b')}


def run(*args):
    result = subprocess.run(
        [PYTHON, *args], cwd=REPO, capture_output=True, text=True,
        timeout=600, env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.fixture(scope='module')
def streams(tmp_path_factory):
    out = {}
    for name, config in STREAMS.items():
        folder = tmp_path_factory.mktemp(f'stream_{name}')
        out[name] = trained_tiny_model(str(folder), config)
        out[name]['dump'] = str(folder / 'test.pkl')
        run('tools/test.py', out[name]['config'], out[name]['checkpoint'],
            '--work-dir', str(folder / 'test'), '--dump', out[name]['dump'])
    return out


@pytest.mark.slow
def test_ensemble_equals_tools_ensemble(streams, tmp_path):
    fused_dump = str(tmp_path / 'fused.pkl')
    run('tools/ensemble.py', streams['j']['dump'], streams['b']['dump'],
        '--preset', '2s', '--out', fused_dump)
    fused, labels, ids = load_dump(fused_dump)
    by_id = dict(zip(ids, fused))

    ensemble = init_ensemble(
        [(streams[s]['config'], streams[s]['checkpoint']) for s in 'jb'],
        preset='2s')
    assert ensemble.names == ['j', 'b'] and ensemble.weights == [1.0, 1.0]
    assert ensemble.dataset_meta['classes'] == tuple(TINY_CLASSES)
    samples, _ = read_skeleton_pickle(streams['j']['pickle'], 'xsub_val')
    assert sorted(s.name for s in samples) == sorted(ids)
    for sample in samples:
        result = inference_ensemble(ensemble, sample.keypoint,
                                    name=sample.name, topk=4)
        np.testing.assert_allclose(result.pred_score, by_id[sample.name],
                                   atol=1e-6)
        assert result.labels[0] == int(np.argmax(by_id[sample.name]))


@pytest.mark.slow
def test_each_stream_equals_its_dump(streams):
    for name in 'jb':
        scores, _, ids = load_dump(streams[name]['dump'])
        model = init_recognizer(streams[name]['config'],
                                streams[name]['checkpoint'])
        samples, _ = read_skeleton_pickle(streams[name]['pickle'],
                                          'xsub_val', ids=list(ids))
        for sample, expected in zip(samples, scores):
            np.testing.assert_allclose(
                predict_scores(model, sample.keypoint), expected, atol=1e-6)


def test_streams_must_share_the_benchmark(tmp_path):
    from brl_mm.testing import load_config, shrink_config
    configs = []
    for classes in (4, 5):
        cfg = load_config(f'{REPO}/{STREAMS["j"]}')
        shrink_config(cfg, 'unused.pkl', classes)
        configs.append((cfg, None))
    with pytest.raises(ValueError, match='one benchmark'):
        init_ensemble(configs, preset='2s')
    with pytest.raises(ValueError, match='preset 4s fuses 4 streams'):
        init_ensemble(configs, preset='4s')
