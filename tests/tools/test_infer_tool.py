"""tools/infer.py: pickles, arrays and pose JSON in, a top-k table and JSON
out, ensembles, zoo names, and layout errors with exit status 2."""
import json
import os
import subprocess

import numpy as np
import pytest
import torch

from brl_mm.apis import inference_skeleton, init_recognizer
from brl_mm.apis.inputs import read_skeleton_pickle
from brl_mm.testing import (PYTHON, REPO, TINY_CLASSES, load_config,
                            load_tool, shrink_config, trained_tiny_model)


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    return trained_tiny_model(str(tmp_path_factory.mktemp('tiny')))


@pytest.fixture(scope='module')
def tool():
    return load_tool('infer')


def test_pickle_in_table_and_json_out(tiny, tool, tmp_path, capsys):
    out = tmp_path / 'preds.json'
    args = [tiny['pickle'], '--config', tiny['config'], '--checkpoint',
            tiny['checkpoint'], '--split', 'xsub_val', '--num', '3', '--out',
            str(out)]
    assert tool.main(args) == 0
    printed = capsys.readouterr()
    rows = json.loads(out.read_text())
    assert len(rows) == 3
    samples, _ = read_skeleton_pickle(tiny['pickle'], 'xsub_val')
    model = init_recognizer(tiny['config'], tiny['checkpoint'])
    for row, sample in zip(rows, samples):
        expected = inference_skeleton(model, sample.keypoint, topk=5)
        assert row['sample'] == sample.name and row['source'] == tiny[
            'pickle']
        assert row['labels'] == expected.labels  # 4 classes: top-4
        assert row['names'] == [TINY_CLASSES[i] for i in row['labels']]
        assert row['scores'] == pytest.approx(expected.scores)
        assert row['true_name'] == TINY_CLASSES[sample.label]
        assert row['sample'] in printed.out
    assert 'sample' in printed.out and 'predicted' in printed.out
    hits = sum(r['labels'][0] == r['true_label'] for r in rows)
    assert f'top-1 correct: {hits} of 3' in printed.out
    assert '3/3' in printed.err  # the progress bar
    # never over an existing file without --force
    before = out.read_text()
    assert tool.main(args) == 2
    assert '--force' in capsys.readouterr().err
    assert out.read_text() == before
    assert tool.main(args + ['--force']) == 0


def test_two_streams_fuse(tiny, tool, tmp_path, capsys):
    np.save(tmp_path / 'clip.npy',
            read_skeleton_pickle(tiny['pickle'], 'xsub_val')[0][0].keypoint)
    single, fused = tmp_path / 'single.json', tmp_path / 'fused.json'
    assert tool.main([str(tmp_path / 'clip.npy'), '--config', tiny['config'],
                      '--checkpoint', tiny['checkpoint'], '--out',
                      str(single)]) == 0
    stream = ['--stream', tiny['config'], tiny['checkpoint']]
    assert tool.main([str(tmp_path / 'clip.npy'), *stream, *stream,
                      '--weights', '2', '1', '--out', str(fused)]) == 0
    a, b = (json.loads(p.read_text())[0] for p in (single, fused))
    assert a['labels'] == b['labels'] and a['true_label'] is None
    assert a['scores'] == pytest.approx(b['scores'])  # a stream with itself


def test_zoo_name_for_config(tool, tmp_path, capsys):
    name = 'brl_stgcnpp_ntu60-xsub-lt100_j'
    model = init_recognizer(name)  # full size, initial weights
    checkpoint = tmp_path / 'ntu60.pth'
    torch.save(dict(state_dict=model.state_dict()), str(checkpoint))
    rng = np.random.default_rng(0)
    np.save(tmp_path / 'ntu.npy',
            rng.standard_normal((1, 30, 25, 3)).astype(np.float32))
    assert tool.main([str(tmp_path / 'ntu.npy'), '--config', name,
                      '--checkpoint', str(checkpoint), '--topk', '60',
                      '--out', str(tmp_path / 'p.json')]) == 0
    row = json.loads((tmp_path / 'p.json').read_text())[0]
    # no names in the checkpoint: NTU-60's packaged list
    assert sorted(row['labels']) == list(range(60))
    assert row['names'][row['labels'].index(0)] == 'drink water'


def test_2d_json_into_a_2d_model(tool, tmp_path, capsys):
    cfg = load_config(f'{REPO}/configs/brl/k400/brl_stgcnpp_k400_j.py')
    shrink_config(cfg, 'unused.pkl', 3)
    cfg.dump(str(tmp_path / 'k400_tiny.py'))
    model = init_recognizer(cfg)
    torch.save(dict(state_dict=model.state_dict()),
               str(tmp_path / 'k400.pth'))
    rng = np.random.default_rng(1)
    frames = [dict(frame_id=t, instances=[dict(
        keypoints=rng.uniform(0, 500, (17, 2)).tolist(),
        keypoint_scores=rng.uniform(0.5, 1, 17).tolist())])
        for t in range(12)]
    (tmp_path / 'video.json').write_text(json.dumps(frames))
    assert tool.main([str(tmp_path / 'video.json'), '--config',
                      str(tmp_path / 'k400_tiny.py'), '--checkpoint',
                      str(tmp_path / 'k400.pth'), '--layout', 'coco',
                      '--img-shape', '500', '500']) == 0
    out = capsys.readouterr().out
    assert 'video' in out and 'class_' in out  # no names for 3 classes


def test_coco_into_ntu_model_exits_2_without_traceback(tiny, tmp_path):
    frames = [dict(frame_id=t, instances=[dict(
        keypoints=[[float(v), 1.0] for v in range(17)],
        keypoint_scores=[0.9] * 17)]) for t in range(5)]
    (tmp_path / 'coco.json').write_text(json.dumps(frames))
    result = subprocess.run(
        [PYTHON, 'tools/infer.py', str(tmp_path / 'coco.json'), '--config',
         tiny['config'], '--checkpoint', tiny['checkpoint']], cwd=REPO,
        capture_output=True, text=True, timeout=600,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert result.returncode == 2
    assert 'Traceback' not in result.stderr
    assert "has 17 joints per person (the 'coco' layout)" in result.stderr
    assert "expects 25 joints of the 'nturgb+d' layout" in result.stderr
    assert 'configs/brl/k400/' in result.stderr


def test_bad_arguments(tiny, tool, tmp_path, capsys):
    with pytest.raises(SystemExit):
        tool.main([tiny['pickle'], '--config', tiny['config']])
    assert 'needs --checkpoint' in capsys.readouterr().err
    assert tool.main([str(tmp_path / 'missing.pkl'), '--config',
                      tiny['config'], '--checkpoint',
                      tiny['checkpoint']]) == 2
    assert 'does not exist' in capsys.readouterr().err
    assert tool.main([tiny['pickle'], '--config', 'no_such_zoo_name',
                      '--checkpoint', tiny['checkpoint']]) == 2
    assert 'neither a file nor a brl-mm zoo name' in capsys.readouterr().err


def test_checkpoint_of_another_model(tiny, tool, tmp_path, capsys):
    model = init_recognizer(tiny['config'], tiny['checkpoint'])
    state = model.state_dict()
    state['cls_head.fc.weight'] = torch.zeros(7, 8)  # a 7-class head
    torch.save(dict(state_dict=state), str(tmp_path / 'other.pth'))
    assert tool.main([tiny['pickle'], '--config', tiny['config'],
                      '--checkpoint', str(tmp_path / 'other.pth')]) == 2
    err = capsys.readouterr().err
    assert 'does not fit the model of the config' in err
    assert 'cls_head.fc.weight' in err


def test_zoo_name_alone_uses_its_official_file(tiny, tool, tmp_path,
                                               capsys, monkeypatch):
    monkeypatch.setenv('BRL_MM_HOME', str(tmp_path / 'home'))
    name = 'brl_stgcnpp_ntu60-xsub-lt100_j'
    assert tool.main([tiny['pickle'], '--config', name]) == 2
    err = capsys.readouterr().err
    assert f'{tmp_path}/home/official/{name}.pth' in err
    assert 'drive.google.com' in err
