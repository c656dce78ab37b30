"""benchmarks/lt_effect.py: the effect benchmark's configs, aggregation,
fusion rows, Markdown output and one tiny end-to-end run with resume."""
import copy
import json
import math
import os
import os.path as osp
import pickle
import sys

import numpy as np
import pytest

from brl_mm.testing import REPO

sys.path.insert(0, osp.join(REPO, 'benchmarks'))
import lt_effect as L  # noqa: E402
from effect import experiments as E  # noqa: E402
from effect import report as R  # noqa: E402
from effect import runner as N  # noqa: E402


# ------------------------------------------------------------ aggregation
def test_aggregate_hand_made_numbers():
    stat = R.aggregate([0.5, 0.6, 0.7])
    assert stat['mean'] == pytest.approx(0.6)
    assert stat['std'] == pytest.approx(0.1)  # sample std (ddof=1)
    assert (stat['min'], stat['max'], stat['n']) == (0.5, 0.7, 3)
    # NaN (an empty shot group) and None are left out
    stat = R.aggregate([0.2, float('nan'), None, 0.4])
    assert stat['n'] == 2 and stat['mean'] == pytest.approx(0.3)
    assert stat['std'] == pytest.approx(math.sqrt(0.02))
    assert R.aggregate([0.25]) == dict(mean=0.25, std=0.0, min=0.25,
                                       max=0.25, n=1)
    empty = R.aggregate([float('nan')])
    assert empty['n'] == 0 and math.isnan(empty['mean'])


def test_tail_accuracy_takes_the_rarest_quarter():
    counts = [100, 2, 50, 2, 7, 30, 1, 9]  # rarest 2 of 8: classes 6, 1
    per_class = [1.0, 0.5, 1.0, 0.25, 0.0, 1.0, 0.0, 1.0]
    assert R.tail_accuracy(per_class, counts) == pytest.approx(0.25)
    assert R.tail_accuracy(per_class, counts, share=0.5) == pytest.approx(
        (0.0 + 0.5 + 0.25 + 0.0) / 4)  # classes 6, 1, 3, 4


def test_summarize_and_format_cells():
    per_seed = [
        dict(seed=0, top1=0.5, mean_class=0.4, many=0.9, medium=0.5,
             few=0.1, tail=0.0, per_class=[1.0, 0.5, 0.0]),
        dict(seed=1, top1=0.7, mean_class=0.6, many=1.0, medium=0.7,
             few=0.3, tail=0.5, per_class=[0.0, 0.5, float('nan')]),
    ]
    row = R.summarize(per_seed)
    assert row['seeds'] == [0, 1]
    assert row['top1']['mean'] == pytest.approx(0.6)
    assert row['few']['std'] == pytest.approx(math.sqrt(0.02))
    assert row['per_class'] == pytest.approx([0.5, 0.5, 0.0])
    assert R.format_cell(row['top1']) == '60.0 ± 14.1'
    assert R.format_cell(R.aggregate([0.123])) == '12.3'
    assert R.format_cell(R.aggregate([])) == 'n/a'


def _write_dump(path, scores, labels, ids):
    with open(path, 'wb') as f:
        pickle.dump([dict(pred_score=s, gt_label=np.array([y]),
                          frame_dir=i) for s, y, i in
                     zip(scores, labels, ids)], f)


def test_fusion_rows_are_the_weighted_stream_means(tmp_path):
    rng = np.random.default_rng(0)
    labels = np.array([0, 1, 2, 2])
    ids = ['a', 'b', 'c', 'd']
    counts = [150, 50, 5]
    results, probs = {}, {}
    for stream, method in E.STREAM_METHODS.items():
        p = rng.dirichlet(np.ones(3), size=4)
        probs[stream] = p
        rdir = tmp_path / method
        rdir.mkdir()
        order = rng.permutation(4)  # fusion aligns by frame_dir
        _write_dump(str(rdir / 'test_dump.pkl'), p[order], labels[order],
                    [ids[i] for i in order])
        results[method] = dict(run_dir=str(rdir), train_counts=counts,
                               seed=3)
    w = dict(j=2, b=2, k=2, jm=1, bm=1, km=1)
    fused = sum(w[s] * probs[s] for s in w) / sum(w.values())
    expected = R.metrics_of(fused, labels, counts)
    got = R.fuse_seed(results, '6s')
    assert got['method'] == 'brl_6s' and got['seed'] == 3
    for key in ('top1', 'mean_class', 'many', 'medium', 'few', 'tail'):
        assert got[key] == pytest.approx(expected[key])
    two = R.metrics_of((probs['j'] + probs['b']) / 2, labels, counts)
    assert R.fuse_seed(results, '2s')['top1'] == pytest.approx(two['top1'])
    del results['brl_km']
    assert R.fuse_seed(results, '6s') is None  # a stream is missing
    assert R.fuse_seed(results, '4s') is not None


def test_write_docs_replaces_only_its_block(tmp_path):
    doc = tmp_path / 'bench.md'
    doc.write_text('# Benchmarks\n\nother section\n')
    R.write_docs(str(doc), 'table one\n')
    text = doc.read_text()
    assert text.startswith('# Benchmarks\n\nother section\n')
    assert f'{R.DOC_BEGIN}\ntable one\n{R.DOC_END}' in text
    doc.write_text(text + '\n## later section\n')
    R.write_docs(str(doc), 'table two\n')
    text = doc.read_text()
    assert 'table one' not in text and 'table two' in text
    assert text.count(R.DOC_BEGIN) == 1
    assert text.endswith('## later section\n')


# ------------------------------------------------------------ configs
@pytest.fixture(scope='module')
def tiny_data(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('lt_effect'))
    return out, E.ensure_data(out, 100, 'quick')


def test_method_configs(tiny_data):
    out, ann = tiny_data
    counts = E.train_counts_of(ann)
    assert len(counts) == 4 and counts[0] == 100 and min(counts) >= 1
    cfgs = {m: E.build_config(m, 'cpu', ann, 0, '/tmp/unused')
            for m in ('ce', 'ce_stae', 'ce_stae_mix', 'brl', 'brl_tr',
                      'ldam_drw', 'brl_km', 'brl_aa_all')}

    def steps(cfg):
        return [s['type'] for s in cfg.train_dataloader.dataset.dataset
                .pipeline]

    stae = ['RandomScale', 'RandomRot', 'SpatialFlip']
    # plain CE: stock pipeline, no blending, mmaction's CE, like
    # configs/brl/baselines/synthetic_lt_ce_cpu.py
    ce = cfgs['ce']
    assert not set(stae) & set(steps(ce))
    assert ce.model.data_preprocessor == dict(type='ActionDataPreprocessor')
    assert ce.model.cls_head.loss_cls == dict(type='CrossEntropyLoss')
    assert set(stae) <= set(steps(cfgs['ce_stae']))
    assert 'blending' not in cfgs['ce_stae'].model.data_preprocessor
    mix = cfgs['ce_stae_mix'].model
    assert mix.data_preprocessor.blending.type == 'RebalancedPartialMix'
    assert mix.data_preprocessor.blending.num_classes == 4
    assert mix.cls_head.loss_cls.type == 'CrossEntropyLoss'
    brl = cfgs['brl']
    assert brl.model.cls_head.loss_cls.type == 'ActionAwareLoss'
    assert brl.model.cls_head.num_classes == 4
    assert 'TemporalReverse' not in steps(brl)
    tr = steps(cfgs['brl_tr'])
    assert tr.index('TemporalReverse') == tr.index('GenSkeFeatK') - 1
    assert cfgs['ldam_drw'].model.cls_head.loss_cls.type == 'LDAMLoss'
    assert cfgs['brl_aa_all'].model.cls_head.loss_cls == dict(
        type='ActionAwareLoss', two_stage=False)
    km = cfgs['brl_km']
    feats = [s for s in km.train_dataloader.dataset.dataset.pipeline +
             km.test_dataloader.dataset.pipeline
             if s['type'] == 'GenSkeFeatK']
    assert [s['feats'] for s in feats] == [['km'], ['km']]
    # reduced size: ST-GCN++ with 6 stages at width 8 -> head in_channels 32
    assert brl.model.backbone.base_channels == 8
    assert brl.model.backbone.num_stages == 6
    assert brl.model.cls_head.in_channels == 32
    assert brl.train_cfg.max_epochs == E.SIZES['cpu']['max_epochs']
    assert brl.val_dataloader is None  # no model selection on the test set
    samplers = [s for s in brl.test_dataloader.dataset.pipeline
                if 'clip_len' in s]
    assert samplers[0]['clip_len'] == 16 and samplers[0]['num_clips'] == 1


def test_full_size_variant(tiny_data, tmp_path):
    """``--full`` (the GPU variant) is configs/brl/synthetic_lt.py as is:
    full ST-GCN++ width, 24 epochs over a 5x repeat, 10-clip test, loader
    workers and the cache warm-up kept; its Runner builds."""
    from mmengine.runner import Runner
    _, ann = tiny_data
    cfg = E.build_config('brl', 'full', ann, 0, str(tmp_path))
    assert cfg.model.backbone.get('base_channels', 64) == 64
    assert cfg.model.cls_head.in_channels == 256
    assert cfg.train_cfg.max_epochs == 24
    assert cfg.train_dataloader.dataset.times == 5
    assert cfg.train_dataloader.num_workers > 0
    assert 'WarmNormalizeCacheHook' in [h['type'] for h in cfg.custom_hooks]
    samplers = [s for s in cfg.test_dataloader.dataset.pipeline
                if 'clip_len' in s]
    assert samplers[0]['num_clips'] == 10
    cpu = E.build_config('brl', 'cpu', ann, 0, str(tmp_path))
    assert 'WarmNormalizeCacheHook' not in [h['type']
                                            for h in cpu.custom_hooks]
    runner = Runner.from_cfg(cfg)
    assert runner.max_epochs == 24


def test_config_hash_keys_the_run(tiny_data):
    out, ann = tiny_data

    def digest(method, seed):
        return E.config_hash(
            E.build_config(method, 'cpu', ann, seed, '/a'), ann)

    assert digest('brl', 0) == digest('brl', 0)
    # the work dir / dump path are not part of the key
    assert E.config_hash(E.build_config('brl', 'cpu', ann, 0, '/b', '/b/d'),
                         ann) == digest('brl', 0)
    assert len({digest('brl', 0), digest('brl', 1), digest('ce', 0),
                digest('brl_tr', 0)}) == 4


# ------------------------------------------------------------ end to end
@pytest.mark.slow
def test_quick_run_resume_fusion_and_docs(tmp_path, capsys):
    out = str(tmp_path / 'out')
    doc = tmp_path / 'benchmarks.md'
    doc.write_text('# Benchmarks\n')
    argv = ['--quick', '--seeds', '0', '--ifs', '100', '--methods', 'ce',
            'brl', 'brl_b', '--jobs', '2', '--out', out, '--docs', str(doc)]
    assert L.main(argv) == 0
    first = capsys.readouterr().out
    assert '3 runs to train' in first
    results = []
    for name in sorted(os.listdir(osp.join(out, 'runs'))):
        with open(osp.join(out, 'runs', name, 'result.json')) as f:
            results.append(json.load(f))
    assert [r['method'] for r in results] == ['brl', 'brl_b', 'ce']
    for r in results:
        assert 0.0 <= r['top1'] <= 1.0 and len(r['per_class']) == 4
        assert r['train_counts'] == E.train_counts_of(
            E.data_file(out, 100, 'quick'))
        assert r['wall_s'] > 0
    # the rerun skips every finished run and reports the same numbers
    assert L.main(argv) == 0
    second = capsys.readouterr().out
    assert '0 runs to train' in second
    report = json.load(open(osp.join(out, 'report.json')))['100']
    rows = report['rows']
    assert set(rows) == {'ce', 'brl', 'brl_2s'}
    assert rows['brl']['top1']['mean'] == pytest.approx(
        [r for r in results if r['method'] == 'brl'][0]['top1'])
    assert report['missing'] == []
    text = doc.read_text()
    assert R.DOC_BEGIN in text and '| BRL 2s fusion (J:B 1:1) |' in text
    assert '| plain CE (stock pipeline) |' in text
    png = tmp_path / 'images' / 'lt_effect_if100.png'
    assert png.exists() and png.stat().st_size < 200_000


# ------------------------------------------------------------ UTKinect
#: The real UTKinect-Action3D pickle (/work/shared/data/real/README.md),
#: where the repository's checkout has it beside itself; BRL_MM_UTKINECT
#: points elsewhere (e.g. from a git worktree).
UTKINECT = os.environ.get('BRL_MM_UTKINECT') or osp.normpath(
    osp.join(REPO, E.DEFAULT_UTKINECT))


def test_utkinect_counts_follow_the_seeded_class_order():
    order = E.utkinect_class_order(10)
    assert sorted(order) == list(range(10))
    assert list(order) != list(range(10))  # not label order
    counts = E.utkinect_lt_counts(10, 10)
    # the spec's profile with n_max 10, IF 10, head to tail ...
    assert counts[order].tolist() == [10, 7, 5, 4, 3, 2, 2, 1, 1, 1]
    # ... laid on the labels by the seeded order (pinned: the benchmark's
    # subset must not move)
    assert counts.tolist() == [1, 1, 5, 3, 10, 2, 7, 4, 1, 2]
    assert E.repeat_times(36) == 6  # 216 samples an epoch
    assert E.repeat_times(200) == 1 and E.repeat_times(199) == 2
    assert E.repeat_times(100) == 2 and E.repeat_times(99) == 3


@pytest.fixture(scope='module')
def fake_utkinect(tmp_path_factory):
    """A stand-in with UTKinect's splits: 10 classes, 10 training and 3
    validation samples each."""
    from brl_mm.testing import write_skeleton_pickle
    root = tmp_path_factory.mktemp('utk')
    labels = [c for c in range(10) for _ in range(13)]
    train = [i for i in range(130) if i % 13 < 10]
    val = [i for i in range(130) if i % 13 >= 10]
    path = str(root / 'utk.pkl')
    ids = write_skeleton_pickle(path, labels, dict(xsub_train=train,
                                                   xsub_val=val),
                                classes=[f'a{c}' for c in range(10)])
    return str(root), path, ids, labels, train, val


def test_utkinect_lt_subset_and_configs(fake_utkinect):
    out, source, ids, labels, train, val = fake_utkinect
    ann = E.ensure_utkinect_lt(out, source, 10)
    assert ann == osp.join(out, 'data', 'utkinect_lt_if10.pkl')
    with open(ann, 'rb') as f:
        data = pickle.load(f)
    assert data['split']['xsub_val'] == [ids[i] for i in val]  # untouched
    kept = data['split']['xsub_train']
    assert set(kept) <= {ids[i] for i in train}
    label_of = {a['frame_dir']: a['label'] for a in data['annotations']}
    assert np.bincount([label_of[i] for i in kept], minlength=10).tolist() \
        == E.utkinect_lt_counts(10, 10).tolist()
    assert E.train_counts_of(ann) == E.utkinect_lt_counts(10, 10).tolist()
    assert len(data['annotations']) == 36 + 30
    cfgs = {m: E.build_config(m, 'utkinect', ann, 0, '/tmp/unused')
            for m in E.UTKINECT_METHODS}
    assert len(E.UTKINECT_METHODS) == 9
    for name, cfg in cfgs.items():
        assert cfg.model.backbone.base_channels == 32, name
        assert cfg.model.backbone.get('num_stages', 10) == 10
        assert cfg.model.cls_head.in_channels == 128
        assert cfg.model.cls_head.num_classes == 10
        assert cfg.train_cfg.max_epochs == 40
        assert cfg.train_dataloader.dataset.times == 6  # 216 >= 200
        test_sampler = [s for s in cfg.test_dataloader.dataset.pipeline
                        if 'clip_len' in s][0]
        assert test_sampler['num_clips'] == 1
        assert test_sampler['clip_len'] == 16
        assert cfg.test_dataloader.dataset.split == 'xsub_val'
        assert cfg.train_dataloader.dataset.dataset.split == 'xsub_train'

    def steps(cfg):
        return [s['type'] for s in cfg.train_dataloader.dataset.dataset
                .pipeline]

    def sampler(cfg):
        return cfg.train_dataloader.sampler['type']

    stae = {'RandomScale', 'RandomRot', 'SpatialFlip'}
    for name in ('ce', 'bsm', 'cb', 'cas'):
        cfg = cfgs[name]
        assert not stae & set(steps(cfg))
        assert cfg.model.data_preprocessor == dict(
            type='ActionDataPreprocessor')
    assert cfgs['bsm'].model.cls_head.loss_cls.type == 'BalancedSoftmaxLoss'
    assert cfgs['cb'].model.cls_head.loss_cls.type == 'ClassBalancedLoss'
    assert sampler(cfgs['cas']) == sampler(cfgs['brl_cas']) == \
        'ClassAwareSampler'
    assert sampler(cfgs['ce']) == sampler(cfgs['brl']) == 'DefaultSampler'
    assert stae <= set(steps(cfgs['ce_stae']))
    nomix = cfgs['brl_nomix']
    assert stae <= set(steps(nomix))
    assert 'blending' not in nomix.model.data_preprocessor
    assert nomix.model.cls_head.loss_cls.type == 'ActionAwareLoss'
    bone = cfgs['brl_bone'].model.data_preprocessor.blending
    assert bone.type == 'RebalancedPartialMix' and bone.space == 'bone'
    assert 'space' not in cfgs['brl'].model.data_preprocessor.blending \
        or cfgs['brl'].model.data_preprocessor.blending.space == 'joint'
    # the class-aware run builds: its sampler sees the repeated dataset
    from mmengine.runner import Runner
    runner = Runner.from_cfg(E.build_config('brl_cas', 'utkinect', ann, 0,
                                            str(osp.join(out, 'w'))))
    loader = runner.build_dataloader(runner._train_dataloader)
    assert len(loader.sampler) == 216


def test_verdict_and_seed_deltas():
    ce = dict(top1=R.aggregate([0.50, 0.52, 0.48]))
    far = dict(top1=R.aggregate([0.70, 0.72, 0.68]))  # +20, std 2
    near = dict(top1=R.aggregate([0.53, 0.55, 0.51]))  # +3 < 2 x 2
    assert R.verdict(far['top1'], ce['top1']) == 'better'
    assert R.verdict(ce['top1'], far['top1']) == 'worse'
    assert R.verdict(near['top1'], ce['top1']) == 'within spread'
    entry = dict(runs=dict(ce={0: dict(top1=0.5), 1: dict(top1=0.4)},
                           brl={0: dict(top1=0.75), 2: dict(top1=0.1)}))
    assert R.seed_deltas(entry, 'top1') == dict(brl={0: 0.25})


def test_utkinect_missing_file_is_a_clear_error(tmp_path, capsys):
    missing = str(tmp_path / 'nope.pkl')
    with pytest.raises(FileNotFoundError, match='nope.pkl'):
        E.resolve_utkinect(missing)
    assert L.main(['--dataset', 'utkinect', '--utkinect', missing,
                   '--out', str(tmp_path / 'o')]) == 2
    err = capsys.readouterr().err
    assert 'UTKinect-Action3D pickle not found' in err and 'nope.pkl' in err
    assert not (tmp_path / 'o').exists()


def test_utkinect_defaults():
    args = L.parse_args(['--dataset', 'utkinect'])
    assert args.seeds == [0, 1, 2, 3, 4] and args.ifs == [10.0]
    assert args.methods == list(E.UTKINECT_METHODS)
    assert args.out == osp.join('work_dirs', 'lt_effect_utkinect')
    assert args.utkinect == E.DEFAULT_UTKINECT
    synthetic = L.parse_args([])
    assert synthetic.ifs == [100.0, 10.0] and synthetic.seeds == [0, 1, 2]
    assert synthetic.out == E.DEFAULT_OUT
    with pytest.raises(SystemExit):
        L.parse_args(['--dataset', 'utkinect', '--full'])


@pytest.mark.skipif(not osp.isfile(UTKINECT),
                    reason=f'UTKinect-Action3D pickle absent ({UTKINECT})')
def test_quick_utkinect_run(tmp_path, capsys):
    out = str(tmp_path / 'out')
    doc = tmp_path / 'benchmarks.md'
    doc.write_text('# Benchmarks\n')
    argv = ['--dataset', 'utkinect', '--utkinect', UTKINECT, '--quick',
            '--seeds', '0', '--methods', 'ce', 'brl', '--jobs', '1',
            '--out', out, '--docs', str(doc)]
    assert L.main(argv) == 0
    assert '2 runs to train' in capsys.readouterr().out
    report = json.load(open(osp.join(out, 'report.json')))
    assert report['dataset'] == 'utkinect'
    rows = report['10']['rows']
    assert set(rows) == {'ce', 'brl'}
    assert report['10']['train_counts'] == [1, 1, 5, 3, 10, 2, 7, 4, 1, 2]
    assert report['10']['classes'][4] == 'carry'
    run = [n for n in os.listdir(osp.join(out, 'runs'))
           if n.startswith('ce-')][0]
    result = json.load(open(osp.join(out, 'runs', run, 'result.json')))
    assert (result['many_thr'], result['few_thr']) == (5, 3)
    text = doc.read_text()
    assert R.UTK_DOC_BEGIN in text and R.DOC_BEGIN not in text
    assert '| many (2 cl.) | medium (3 cl.) | few (5 cl.) |' in text
    assert '| 4 | carry | 10 |' in text  # the per-class table, head first
    assert (tmp_path / 'images' / 'lt_effect_utkinect_if10.png').exists()


def test_format_deltas_lists_seeds_and_verdicts():
    def run(top1, few, tail):
        return dict(top1=top1, few=few, tail=tail)

    runs = dict(ce={0: run(0.5, 0.2, 0.1), 1: run(0.6, 0.2, 0.3)},
                bsm={0: run(0.5, 0.3, 0.5), 1: run(0.55, 0.4, 0.6)})
    entry = dict(runs=runs, rows={m: R.summarize(
        [dict(r, seed=s, per_class=[0.0]) for s, r in per.items()])
        for m, per in runs.items()})
    lines = R.format_deltas(entry).splitlines()
    assert len(lines) == 3
    assert lines[2] == ('| balanced softmax | s0: +0.0 s1: -5.0 | within '
                        'spread | s0: +10.0 s1: +20.0 | better | s0: +40.0 '
                        's1: +30.0 | better |')
    assert R.format_deltas(dict(entry, rows={'bsm': entry['rows']['bsm']})) \
        == ''


# ------------------------------------------- synthetic at UTKinect's shape
def test_synthetic_utk_defaults_and_errors():
    args = L.parse_args(['--dataset', 'synthetic_utk'])
    assert args.seeds == [0, 1, 2, 3, 4] and args.ifs == [10.0]
    assert args.methods == list(E.UTKINECT_METHODS)
    assert args.out == osp.join('work_dirs', 'lt_effect_synthetic_utk')
    for extra in (['--quick'], ['--demo'], ['--full']):
        with pytest.raises(SystemExit):
            L.parse_args(['--dataset', 'synthetic_utk'] + extra)
    assert E.SIZES['synthetic_utk'] == E.SIZES['utkinect']
    assert E.SHOT_THRESHOLDS['synthetic_utk'] == E.SHOT_THRESHOLDS['utkinect']
    assert args.twins == 'picked'
    named = L.parse_args(['--dataset', 'synthetic_utk', '--twins', 'named'])
    assert named.out == osp.join('work_dirs', 'lt_effect_synthetic_utk_named')
    with pytest.raises(SystemExit):
        L.parse_args(['--dataset', 'utkinect', '--twins', 'named'])
    assert L.parse_args([]).twins is None


def test_synthetic_utk_data_has_utkinects_shape(tmp_path):
    out = str(tmp_path)
    ann = E.ensure_data(out, 10, 'synthetic_utk')
    assert ann == osp.join(out, 'data', 'synthetic_lt_if10_utk.pkl')
    with open(ann, 'rb') as f:
        data = pickle.load(f)
    twins = [twin for _, twin in E.UTKINECT_SYNTHETIC_TWINS]
    assert data['classes'] == twins and len(set(twins)) == 10
    # every twin on its action's label, with its action's long-tailed count
    actions = ['walk', 'sitDown', 'standUp', 'pickUp', 'carry', 'throw',
               'push', 'pull', 'waveHands', 'clapHands']
    for twins in E.TWIN_SETS.values():
        assert [a for a, _ in twins] == actions
    assert E.train_counts_of(ann) == E.utkinect_lt_counts(10, 10).tolist() \
        == [1, 1, 5, 3, 10, 2, 7, 4, 1, 2]
    # the tail metric's two rarest are walk and sitDown, as on UTKinect
    per_class = np.arange(10, dtype=float)
    assert R.tail_accuracy(per_class, E.train_counts_of(ann)) == 0.5
    assert len(data['split']['xsub_val']) == 100
    meta = data['meta']
    assert len(meta['train_subject_ids']) == len(meta['val_subject_ids']) \
        == 5
    assert meta['two_person_classes'] == []  # one person, as UTKinect
    # trained as UTKinect is
    cfg = E.build_config('brl', 'synthetic_utk', ann, 0, '/tmp/unused')
    assert cfg.model.backbone.base_channels == 32
    assert cfg.train_dataloader.dataset.times == 6
    assert cfg.train_cfg.max_epochs == 40
    rdir, done = N.prepare_run(out, 'ce', 'synthetic_utk', 10, 0)
    assert not done
    run = json.load(open(osp.join(rdir, 'run.json')))
    assert run['dataset'] == 'synthetic_utk'
    assert (run['many_thr'], run['few_thr']) == (5, 3)


def test_data_generated_with_other_arguments_is_an_error(tmp_path, capsys):
    out = str(tmp_path)
    path = E.data_file(out, 10, 'synthetic_utk')
    from brl_mm.datasets.synthetic import generate_synthetic_lt
    older = dict(E.data_arguments('synthetic_utk', 10))
    older['class_counts'] = sorted(older['class_counts'], reverse=True)
    generate_synthetic_lt(path, **older)
    with pytest.raises(RuntimeError, match='class_counts') as err:
        E.ensure_data(out, 10, 'synthetic_utk')
    assert path in str(err.value) and '--out' in str(err.value)
    # an argument the meta leaves out at its default counts too, and the
    # command line says so without a traceback
    older = dict(E.data_arguments('synthetic_utk', 10))
    older.pop('style_scale')
    generate_synthetic_lt(path, **older)
    with pytest.raises(RuntimeError, match=r'style_scale: 1\.0 there'):
        E.ensure_data(out, 10, 'synthetic_utk')
    assert L.main(['--dataset', 'synthetic_utk', '--out', out,
                   '--no-train']) == 2
    assert 'lt_effect: ' + path in capsys.readouterr().err
    # the IF decides the counts
    assert E.data_arguments('synthetic_utk', 5)['class_counts'] == \
        E.utkinect_lt_counts(10, 5).tolist()


def test_a_copied_out_dir_is_prepared_again(tmp_path, tiny_data):
    import shutil
    from brl_mm.utils import load_config
    first = str(tmp_path / 'first')
    os.makedirs(osp.join(first, 'data'))
    shutil.copy(tiny_data[1], E.data_file(first, 100, 'quick'))
    rdir, done = N.prepare_run(first, 'ce', 'quick', 100, 0)
    assert not done
    # same dir again: left alone (a worker may be reading its config)
    config = osp.join(rdir, 'config.py')
    stamp = os.stat(config).st_mtime_ns
    assert N.prepare_run(first, 'ce', 'quick', 100, 0) == (rdir, False)
    assert os.stat(config).st_mtime_ns == stamp
    # copied elsewhere: its config would train into the first dir
    second = str(tmp_path / 'second')
    shutil.copytree(first, second)
    moved, _ = N.prepare_run(second, 'ce', 'quick', 100, 0)
    assert osp.basename(moved) == osp.basename(rdir)
    assert load_config(osp.join(moved, 'config.py')).work_dir == moved
    run = json.load(open(osp.join(moved, 'run.json')))
    assert run['ann_file'].startswith(second)


def test_base_channels_override(tmp_path, capsys):
    from brl_mm.utils import load_config
    before = copy.deepcopy(E.SIZES)
    out = str(tmp_path / 'o')
    assert L.main(['--quick', '--base-channels', '4', '--ifs', '100',
                   '--seeds', '0', '--methods', 'ce', '--no-train',
                   '--out', out]) == 0
    assert E.SIZES == before  # passed to the runs, the table is left alone
    (run, ) = os.listdir(osp.join(out, 'runs'))
    cfg = load_config(osp.join(out, 'runs', run, 'config.py'))
    assert cfg.model.backbone.base_channels == 4
    assert cfg.model.cls_head.in_channels == 4 * 2**2  # 2 inflate stages
    text = capsys.readouterr().out
    assert 'Not yet run (1): ce/s0' in text
    assert '"base_channels": 4' in text  # the report states the size run
    report = json.load(open(osp.join(out, 'report.json')))
    assert report['info']['size']['base_channels'] == 4


def test_sized_replaces_given_entries_only():
    size = E.sized('utkinect', max_epochs=3, times=None)
    assert size == dict(E.SIZES['utkinect'], max_epochs=3)
    assert E.SIZES['utkinect']['max_epochs'] == 40
    with pytest.raises(KeyError, match='epochs'):
        E.sized('utkinect', epochs=3)


def test_twins_reach_the_data_without_changing_the_tables(tmp_path):
    before = copy.deepcopy(E.DATA_SIZES)
    out = str(tmp_path)
    rdir, _ = N.prepare_run(out, 'ce', 'synthetic_utk', 10, 0,
                            twins='named')
    with open(E.data_file(out, 10, 'synthetic_utk'), 'rb') as f:
        data = pickle.load(f)
    assert data['classes'] == [t for _, t in E.UTKINECT_NAMED_TWINS]
    assert E.DATA_SIZES == before
    # the default is the picked set; an out dir holds one data version
    assert E.data_arguments('synthetic_utk', 10)['classes'] == \
        [t for _, t in E.UTKINECT_SYNTHETIC_TWINS]
    with pytest.raises(RuntimeError, match='classes'):
        N.prepare_run(out, 'ce', 'synthetic_utk', 10, 0, twins='picked')
    with pytest.raises(ValueError, match='synthetic_utk'):
        E.data_arguments('cpu', 10, twins='named')


def test_worker_skips_a_run_trained_or_finished_elsewhere(tmp_path,
                                                          tiny_data,
                                                          monkeypatch,
                                                          capfd):
    import io
    import shutil
    from brl_mm.engine.work_dir import WorkDirLock
    out = str(tmp_path / 'o')
    os.makedirs(osp.join(out, 'data'))
    shutil.copy(tiny_data[1], E.data_file(out, 100, 'quick'))
    rdir, _ = N.prepare_run(out, 'ce', 'quick', 100, 0)
    with WorkDirLock(rdir):  # another invocation is training it
        monkeypatch.setattr(sys, 'stdin', io.StringIO(rdir + '\n'))
        assert N._worker_loop(1) == 0
    assert capfd.readouterr().out == f'SKIP in_training_elsewhere {rdir}\n'
    assert not osp.exists(osp.join(rdir, 'worker.log'))  # its log kept
    with open(osp.join(rdir, 'result.json'), 'w') as f:
        f.write('{}')
    monkeypatch.setattr(sys, 'stdin', io.StringIO(rdir + '\n'))
    assert N._worker_loop(1) == 0
    assert capfd.readouterr().out == f'SKIP finished_elsewhere {rdir}\n'


def test_plot_uses_the_runs_shot_thresholds(monkeypatch, tmp_path):
    import brl_mm.evaluation as ev
    seen = {}

    def fake(series, counts, out_file, **kwargs):
        seen.update(kwargs, series=list(series))
        return out_file

    monkeypatch.setattr(ev, 'plot_per_class_accuracy', fake)
    entry = dict(rows=dict(ce=dict(seeds=[0, 1], per_class=[1.0, 0.5])),
                 train_counts=[10, 1], thresholds=dict(many_thr=5,
                                                       few_thr=3))
    R.plot_if(entry, str(tmp_path / 'p.png'), 10, 'UTKinect')
    assert (seen['many_thr'], seen['few_thr']) == (5, 3)
    assert seen['series'] == ['CE, 2 seeds']


def test_format_per_class_lists_each_class_head_first():
    runs = dict(ce={0: dict(per_class=[0.5, 1.0, 0.0]),
                    1: dict(per_class=[0.7, 1.0, 0.2])},
                cas={0: dict(per_class=[0.6, 0.5, 0.4]),
                     2: dict(per_class=[1.0, 1.0, 1.0])})  # seed 2: no CE
    rows = {m: dict(per_class=np.mean([r['per_class'] for r in per.values()],
                                      axis=0).tolist())
            for m, per in runs.items()}
    entry = dict(runs=runs, rows=rows, train_counts=[3, 9, 1],
                 classes=['a', 'b', 'c'])
    lines = R.format_per_class(entry).splitlines()
    assert lines[0] == ('| label | class | train | plain CE (stock pipeline) '
                        '| class-aware sampling (CE) |')
    # head first; CAS's mean over its seeds 0 and 2, its difference to CE
    # over seed 0 only (the one both ran)
    assert lines[2:] == ['| 1 | b | 9 | 100 | 75 (-50) |',
                         '| 0 | a | 3 | 60 | 80 (+10) |',
                         '| 2 | c | 1 | 10 | 70 (+40) |']
    # no names: numbered; too many classes: no table
    assert '| 1 | class 1 | 9 |' in R.format_per_class(
        dict(entry, classes=None))
    many = dict(entry, train_counts=[1] * (R.PER_CLASS_MAX + 1))
    assert R.format_per_class(many) == ''


def test_report_names_the_twins():
    info = dict(planned=1, finished=0, run_s=0.0,
                twins=('named', [list(p) for p in E.UTKINECT_NAMED_TWINS]))
    text = R.format_report({}, 'synthetic_utk', {}, info)
    assert ('Twins (`--twins named`): walk -> *walk in place*, sitDown -> '
            '*sit down*,') in text and text.rstrip().endswith('*clap*.')
    assert 'Twins' not in R.format_report({}, 'synthetic_utk', {},
                                          dict(info, twins=None))
    begin, end, prefix, _ = R.DATASET_DOCS['synthetic_utk_named']
    assert 'synthetic_utk_named' in begin and prefix.endswith('_named')
