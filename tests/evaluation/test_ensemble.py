"""Multi-stream fusion: presets, alignment by frame_dir, clear refusals, the
tools/ensemble.py table, fused dump and plot, on hand-built dump files in
the format of tools/test.py --dump."""
import os.path as osp
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch

from brl_mm.evaluation import (ENSEMBLE_PRESETS, align_streams, fuse_scores,
                               load_dump, preset_weights)
from brl_mm.testing import PYTHON, REPO, load_config, shrink_config

sys.path.insert(0, osp.join(REPO, 'tools'))
import ensemble as ensemble_tool  # noqa: E402


def write_dump(path, ids, labels, scores):
    """A tools/test.py --dump file: one dict per sample."""
    samples = [
        dict(frame_dir=fid, num_classes=len(s),
             pred_label=torch.tensor([int(np.argmax(s))]),
             gt_label=torch.tensor([int(lab)]),
             pred_score=torch.tensor(s, dtype=torch.float32))
        for fid, lab, s in zip(ids, labels, scores)
    ]
    with open(path, 'wb') as f:
        pickle.dump(samples, f)
    return str(path)


# Two samples, three classes: each stream alone gets one right, J:B 1:1 gets
# both, J:B 2:1 only the first (hand-computed below).
IDS = ['a', 'b']
LABELS = [0, 1]
J = [[0.9, 0.1, 0.0], [0.5, 0.1, 0.4]]
B = [[0.3, 0.6, 0.1], [0.1, 0.8, 0.1]]


def test_presets_are_brls():
    assert preset_weights('2s') == (['j', 'b'], [1, 1])
    assert preset_weights('4s') == (['j', 'b', 'jm', 'bm'], [2, 2, 1, 1])
    assert preset_weights('6s') == (['j', 'b', 'k', 'jm', 'bm', 'km'],
                                    [2, 2, 2, 1, 1, 1])
    assert preset_weights('k400') == (['j', 'b', 'jm', 'bm'], [3, 3, 1, 1])
    assert list(ENSEMBLE_PRESETS) == ['2s', '4s', '6s', 'k400']
    with pytest.raises(KeyError, match="'2s', '4s', '6s', 'k400'"):
        preset_weights('3s')


def test_fusion_by_hand():
    fused = fuse_scores([np.array(J), np.array(B)], [1, 1])
    np.testing.assert_allclose(fused, [[0.6, 0.35, 0.05], [0.3, 0.45, 0.25]])
    assert fused.argmax(1).tolist() == [0, 1]
    fused = fuse_scores([np.array(J), np.array(B)], [2, 1])
    np.testing.assert_allclose(fused[1], [1.1 / 3, 1.0 / 3, 0.9 / 3])
    assert fused.argmax(1).tolist() == [0, 0]
    with pytest.raises(ValueError, match='non-negative'):
        fuse_scores([np.array(J), np.array(B)], [1, -1])


def test_alignment_follows_frame_dir_not_position():
    rng = np.random.default_rng(0)
    ids = [f'S001C001P{i:03d}R001A001' for i in range(6)]
    labels = rng.integers(0, 4, 6)
    s1, s2 = rng.dirichlet(np.ones(4), 6), rng.dirichlet(np.ones(4), 6)
    perm = rng.permutation(6)
    aligned, lab, out_ids = align_streams(
        [(s1, labels, ids),
         (s2[perm], labels[perm], [ids[i] for i in perm])], ['x', 'y'])
    assert out_ids == ids and lab.tolist() == labels.tolist()
    np.testing.assert_array_equal(aligned[0], s1)
    np.testing.assert_array_equal(aligned[1], s2)


def test_refuses_mismatched_dumps_with_names_and_ids(tmp_path):
    a = write_dump(tmp_path / 'joint.pkl', ['s1', 's2', 's3'], [0, 1, 2],
                   np.eye(3))
    b = write_dump(tmp_path / 'bone.pkl', ['s1', 's2', 's9'], [0, 1, 2],
                   np.eye(3))
    with pytest.raises(ValueError) as err:
        ensemble_tool.main([a, b])
    message = str(err.value)
    assert 'bone.pkl' in message and 'joint.pkl' in message
    assert "['s3']" in message and "['s9']" in message
    assert 'same test split' in message

    c = write_dump(tmp_path / 'noid.pkl', ['', '', ''], [0, 1, 2], np.eye(3))
    with pytest.raises(ValueError, match="meta_keys=\\('frame_dir', \\)"):
        ensemble_tool.main([a, c])
    d = write_dump(tmp_path / 'relabelled.pkl', ['s1', 's2', 's3'],
                   [0, 1, 1], np.eye(3))
    with pytest.raises(ValueError, match='disagree on the label of s3'):
        ensemble_tool.main([a, d])
    e = write_dump(tmp_path / 'four.pkl', ['s1', 's2', 's3'], [0, 1, 2],
                   np.eye(3, 4))
    with pytest.raises(ValueError, match='4 classes'):
        ensemble_tool.main([a, e])
    with pytest.raises(ValueError, match='preset 4s fuses 4 streams'):
        ensemble_tool.main([a, a, '--preset', '4s'])


def test_logits_need_softmax(tmp_path):
    logits = np.array([[2., 1., 0.], [0., 1., 3.]])
    a = write_dump(tmp_path / 'logits.pkl', IDS, LABELS, logits)
    with pytest.raises(ValueError, match='--softmax'):
        ensemble_tool.main([a, a])
    out = ensemble_tool.main([a, a, '--softmax'])
    np.testing.assert_allclose(out['fused'].sum(1), 1.0)
    assert out['fused'].argmax(1).tolist() == [0, 2]


def test_cli_table_dump_and_plot(tmp_path, capsys):
    j = write_dump(tmp_path / 'j.pkl', IDS, LABELS, J)
    # the bone stream in the other order: aligned by frame_dir
    b = write_dump(tmp_path / 'b.pkl', IDS[::-1], LABELS[::-1], B[::-1])
    out = ensemble_tool.main([
        j, b, '--preset', '2s', '--train-counts', '150,5,30', '--plot',
        str(tmp_path / 'plot.png'), '--out', str(tmp_path / 'fused.pkl')
    ])
    printed = capsys.readouterr().out
    rows = {line.split('|')[1].strip(): line.split('|')[2:-1]
            for line in printed.splitlines() if line.startswith('| ')}
    assert list(rows) == ['run', 'j', 'b', 'fusion 2s (1:1)']
    assert [c.strip() for c in rows['run']] == [
        'top1', 'top5', 'mean_class', 'many', 'medium', 'few']
    # j: a right (class 0, many), b wrong (class 1, few)
    assert [c.strip() for c in rows['j']] == [
        '50.0', '100.0', '50.0', '100.0', 'n/a', '0.0']
    assert [c.strip() for c in rows['b']] == [
        '50.0', '100.0', '50.0', '0.0', 'n/a', '100.0']
    assert [c.strip() for c in rows['fusion 2s (1:1)']] == [
        '100.0', '100.0', '100.0', '100.0', 'n/a', '100.0']
    assert 'j: weight 1' in printed and 'many > 100: 1 classes' in printed
    assert out['names'] == ['j', 'b'] and out['weights'] == [1, 1]

    scores, labels, ids = load_dump(str(tmp_path / 'fused.pkl'))
    assert ids == IDS and labels.tolist() == LABELS
    np.testing.assert_allclose(scores, [[0.6, 0.35, 0.05],
                                        [0.3, 0.45, 0.25]], rtol=1e-6)
    with open(tmp_path / 'plot.png', 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'

    weighted = ensemble_tool.main([j, b, '--weights', '2', '1',
                                   '--names', 'joint', 'bone'])
    fusion = weighted['results']['fusion 2:1']
    assert fusion['top1'] == 0.5 and 'many' not in fusion
    assert list(weighted['results']) == ['joint', 'bone', 'fusion 2:1']


def test_train_counts_from_the_config(tmp_path, synthetic_pickle):
    cfg = load_config(osp.join(REPO, 'configs/brl/synthetic_lt.py'))
    shrink_config(cfg, synthetic_pickle['path'], 4)
    config = str(tmp_path / 'tiny.py')
    cfg.dump(config)
    data = synthetic_pickle['data']
    val = set(data['split']['xsub_val'])
    anns = [a for a in data['annotations'] if a['frame_dir'] in val]
    ids = [a['frame_dir'] for a in anns]
    labels = [a['label'] for a in anns]
    perfect = np.eye(4)[labels]
    dump = write_dump(tmp_path / 'j.pkl', ids, labels, perfect)
    out = ensemble_tool.main([dump, dump, '--config', config])
    train = set(data['split']['xsub_train'])
    counts = np.bincount([a['label'] for a in data['annotations']
                          if a['frame_dir'] in train], minlength=4)
    fusion = out['results']['fusion 1:1']
    assert fusion['groups'] == dict(
        many=[], medium=[], few=[c for c in range(4) if counts[c] < 20])
    assert fusion['few'] == 1.0


def test_plot_needs_counts(tmp_path, capsys):
    with pytest.raises(SystemExit):
        ensemble_tool.main(['x.pkl', '--plot', str(tmp_path / 'x.png')])
    assert 'needs training class counts' in capsys.readouterr().err


def test_command_line_error_has_no_traceback(tmp_path):
    a = write_dump(tmp_path / 'joint.pkl', ['s1'], [0], np.eye(3)[:1])
    b = write_dump(tmp_path / 'bone.pkl', ['s2'], [0], np.eye(3)[:1])
    result = subprocess.run(
        [PYTHON, osp.join(REPO, 'tools/ensemble.py'), a, b],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.startswith('error: ') and 'Traceback' not in \
        result.stderr
    assert 'bone.pkl and ' in result.stderr
