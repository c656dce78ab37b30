"""Every config builds on synthetic data of its skeleton layout; every stream
config's pipelines really make its stream; the benchmark families keep their
data, schedule and baselines straight; the benchmark config without its data
fails with the clear data-not-found error."""
import copy
import glob
import os.path as osp
import pickle
import re
import uuid

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from brl_mm.testing import REPO, load_config, shrink_config

CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs', 'brl', '**', '*.py'),
                           recursive=True))
IDS = [osp.relpath(c, REPO) for c in CONFIGS]
STREAMS = ('j', 'b', 'k', 'jm', 'bm', 'km')
#: The split names the configs use, per layout of the synthetic pickles.
SPLIT_ALIASES = {
    'nturgb+d': ('xsub', 'xview', 'xset'),
    'nw_ucla': ('', ),
    'coco': ('', ),
}
NORMALIZE = {'nturgb+d': 'PreNormalize3D', 'nw_ucla': 'PreNormalize3D',
             'coco': 'PreNormalize2D'}
#: One train batch (and a loss) for one config of every family, backbone,
#: loss and stream kind; the others build their runner and datasets.
BATCH_CONFIGS = [
    'configs/brl/ntu60_xsub_lt.py',
    'configs/brl/synthetic_lt_cpu.py',
    'configs/brl/baselines/synthetic_lt_ce_cpu.py',
    'configs/brl/ntu60_xsub_lt/brl_stgcnpp_ntu60-xsub-lt50_km.py',
    'configs/brl/ntu60_xsub_lt/brl_aagcn_ntu60-xsub-lt100_j.py',
    'configs/brl/ntu60_xsub_lt/brl_ctrgcn_ntu60-xsub-lt100_j.py',
    'configs/brl/ntu60_xsub_lt/brl_msg3d_ntu60-xsub-lt100_j.py',
    'configs/brl/ntu120_xset_lt/brl_stgcnpp_ntu120-xset-lt10_bm.py',
    'configs/brl/nw_ucla_lt/brl_stgcnpp_nwucla-lt10_k.py',
    'configs/brl/k400/brl_stgcnpp_k400_jm.py',
] + [
    f'configs/brl/baselines/ntu60_xsub_lt/{loss}_stgcnpp_ntu60-xsub-lt100_j.py'
    for loss in ('ce', 'cb', 'focal', 'ldam-drw', 'bsce')
] + ['configs/brl/baselines/nw_ucla_lt/ldam-drw_stgcnpp_nwucla-lt10_j.py',
     'configs/brl/baselines/k400/cb_stgcnpp_k400_j.py']


def stream_of(config: str) -> str:
    """The stream a config's file name promises (``..._km.py``), else j."""
    match = re.search(r'_(j|b|k|jm|bm|km)\.py$', config)
    return match.group(1) if match else 'j'


def loaders(cfg):
    return dict(train=cfg.train_dataloader.dataset.dataset,
                val=cfg.val_dataloader.dataset,
                test=cfg.test_dataloader.dataset)


@pytest.fixture(scope='session')
def layout_pickles(tmp_path_factory, synthetic_pickle):
    """4-class synthetic pickles per layout (NTU-25 3D, NW-UCLA-20 3D,
    COCO-17 2D), with the split names of every benchmark config."""
    from brl_mm.datasets import generate_synthetic_lt
    folder = tmp_path_factory.mktemp('layouts')
    paths = {}
    for layout, prefixes in SPLIT_ALIASES.items():
        if layout == 'nturgb+d':
            data = copy.deepcopy(synthetic_pickle['data'])
        else:
            data = generate_synthetic_lt(
                None, num_classes=4, n_max=8, imbalance_factor=4,
                val_per_class=3, layout=layout, min_frames=16,
                max_frames=24, seed=0)
        train, val = data['split']['xsub_train'], data['split']['xsub_val']
        for prefix in prefixes:
            sep = '_' if prefix else ''
            data['split'][f'{prefix}{sep}train'] = train
            data['split'][f'{prefix}{sep}val'] = val
        paths[layout] = str(folder / f'{layout.replace("+", "")}.pkl')
        with open(paths[layout], 'wb') as f:
            pickle.dump(data, f)
    return paths


@pytest.fixture
def lean_runner(monkeypatch):
    """Runner.from_cfg without the yapf formatting of the config text (three
    times per runner, seconds each: the log, the dump, the visualizer); the
    real dump is tested in test_config_dump_reloads."""
    monkeypatch.setattr(Config, 'pretty_text',
                        property(lambda self: f'# {self.filename}\n'))

    def build(cfg, tmp_path):
        cfg.work_dir = str(tmp_path / 'work')
        cfg.experiment_name = f'cfg_{uuid.uuid4().hex}'
        return Runner.from_cfg(cfg)

    return build


@pytest.mark.parametrize('config', CONFIGS, ids=IDS)
def test_config_builds_and_loads_data(config, layout_pickles, lean_runner,
                                      tmp_path):
    cfg = load_config(config)
    assert cfg.custom_imports['imports'] == ['brl_mm']
    for loader in ('val_dataloader', 'test_dataloader'):
        pack = cfg[loader].dataset.pipeline[-1]
        assert 'frame_dir' in pack.meta_keys  # fusion aligns samples by id
    layout = cfg.train_dataloader.dataset.dataset.layout
    shrink_config(cfg, layout_pickles[layout], 4)
    runner = lean_runner(cfg, tmp_path)  # model, hooks, optimizer settings
    train = runner.build_dataloader(cfg.train_dataloader).dataset
    assert train.dataset.metainfo['layout'] == layout
    val = runner.build_dataloader(cfg.val_dataloader).dataset
    assert val.metainfo['class_counts'] == [3, 3, 3, 3]
    if osp.relpath(config, REPO) not in BATCH_CONFIGS:
        return
    batch = next(iter(runner.build_dataloader(cfg.train_dataloader)))
    assert batch['inputs'][0].shape[-1] == 3  # xyz, or xy + score in 2D
    model = runner.model
    counts = train.dataset.metainfo['class_counts']
    for part in (model.cls_head.loss_cls,
                 getattr(model.data_preprocessor, 'blending', None)):
        if getattr(part, 'requires_class_counts', False):
            part.set_class_counts(counts)
    model.train()
    losses = model(**model.data_preprocessor(batch, True), mode='loss')
    assert np.isfinite(float(losses['loss_cls'].detach()))


@pytest.mark.parametrize('config', CONFIGS, ids=IDS)
def test_stream_pipelines_make_the_named_stream(config, layout_pickles):
    """The stream in the file name is what the train / val / test pipelines
    compute: the same arrays as GenSkeFeatK of that stream on one sample."""
    cfg = load_config(config)
    stream = stream_of(config)
    assert cfg.modality == stream
    layout = cfg.train_dataloader.dataset.dataset.layout
    for split, dataset in loaders(cfg).items():
        feats = [t for t in dataset.pipeline if t.type.startswith('GenSkeFeat')]
        assert [(t.feats, t.dataset) for t in feats] == [([stream], layout)]
        normalize = dataset.pipeline[0].type
        assert normalize.endswith(NORMALIZE[layout]), (split, normalize)
        assert dataset.layout == layout
    init_default_scope('mmaction')
    with open(layout_pickles[layout], 'rb') as f:
        sample = pickle.load(f)['annotations'][0]
    val = [dict(t) for t in cfg.val_dataloader.dataset.pipeline[:3]]
    val[2]['clip_len'] = 8
    reference = [dict(type=NORMALIZE[layout]),
                 dict(type='GenSkeFeatK', dataset=layout, feats=[stream]),
                 val[2]]
    ours = Compose(val)(copy.deepcopy(sample))['keypoint']
    expected = Compose(reference)(copy.deepcopy(sample))['keypoint']
    np.testing.assert_array_equal(ours, expected)
    if stream != 'j':
        joints = Compose(reference[:1] + [dict(reference[1], feats=['j'])] +
                         reference[2:])(copy.deepcopy(sample))['keypoint']
        assert not np.array_equal(ours, joints)


#: (directory, sample-list prefix, train split, test split, classes).
NTU_BENCHMARKS = [
    ('ntu60_xsub_lt', 'NTU60_xsub', 'xsub_train', 'xsub_val', 60),
    ('ntu60_xview_lt', 'NTU60_xview', 'xview_train', 'xview_val', 60),
    ('ntu120_xsub_lt', 'NTU120_xsub', 'xsub_train', 'xsub_val', 120),
    ('ntu120_xset_lt', 'NTU120_xset', 'xset_train', 'xset_val', 120),
]


@pytest.mark.parametrize('bench', NTU_BENCHMARKS, ids=lambda b: b[0])
def test_ntu_benchmarks_cover_every_if_and_stream(bench):
    folder, prefix, train_split, test_split, num_classes = bench
    ann = 'ntu60_3danno.pkl' if num_classes == 60 else 'ntu120_3danno.pkl'
    tag = folder[:-3].replace('_', '-')
    for IF in (10, 50, 100):
        for stream in STREAMS:
            config = osp.join(REPO, 'configs', 'brl', folder,
                              f'brl_stgcnpp_{tag}-lt{IF}_{stream}.py')
            cfg = load_config(config)
            data = loaders(cfg)
            assert data['train'].lt_split_file == f'{prefix}_exp_{IF}'
            assert data['train'].split == train_split
            assert data['val'].split == data['test'].split == test_split
            for dataset in data.values():
                assert dataset.ann_file == f'data/skeleton/{ann}'
                assert dataset.num_classes == num_classes
            assert cfg.model.cls_head.num_classes == num_classes
            assert cfg.model.data_preprocessor.blending.num_classes == \
                num_classes
            assert cfg.train_cfg.max_epochs == 24
            assert cfg.train_dataloader.dataset.times == 5


def test_headline_config_is_the_joint_stream_at_if100():
    headline = load_config(osp.join(REPO, 'configs/brl/ntu60_xsub_lt.py'))
    named = load_config(osp.join(
        REPO, 'configs/brl/ntu60_xsub_lt/brl_stgcnpp_ntu60-xsub-lt100_j.py'))
    assert headline.to_dict() == named.to_dict()


def test_nw_ucla_lt_draws_if10_nmax100_on_its_layout():
    cfg = load_config(osp.join(
        REPO, 'configs/brl/nw_ucla_lt/brl_stgcnpp_nwucla-lt10_j.py'))
    train = cfg.train_dataloader.dataset.dataset
    assert (train.imbalance_factor, train.n_max, train.lt_split_file,
            train.split) == (10, 100, None, 'train')
    assert cfg.val_dataloader.dataset.split == 'val'
    assert cfg.model.backbone.graph_cfg.layout == 'nw_ucla'
    assert cfg.model.data_preprocessor.blending.layout == 'nw_ucla'
    assert cfg.model.cls_head.num_classes == 10
    flips = [t for t in train.pipeline if t.type == 'SpatialFlip']
    assert [t.layout for t in flips] == ['nw_ucla']


def test_k400_is_2d_coco_with_brl_k400_schedule():
    cfg = load_config(osp.join(REPO,
                                   'configs/brl/k400/brl_stgcnpp_k400_j.py'))
    for dataset in loaders(cfg).values():
        types = [t.type for t in dataset.pipeline]
        assert types[0] == 'PreNormalize2D'
        assert not any('3D' in t for t in types)
        sampling = [t for t in dataset.pipeline if 'SampleFrames' in t.type]
        assert [t.clip_len for t in sampling] == [100]
    assert cfg.model.backbone.graph_cfg.layout == 'coco'
    assert cfg.model.cls_head.num_classes == 400
    assert cfg.train_cfg.max_epochs == 150
    assert cfg.param_scheduler[0].T_max == 150
    assert cfg.train_dataloader.dataset.times == 1
    hook = [h for h in cfg.custom_hooks
            if h.type == 'DetachedScheduleHook'][0]
    assert hook.switch_epoch == 130
    assert (cfg.train_dataloader.batch_size,
            cfg.optim_wrapper.optimizer.lr,
            cfg.auto_scale_lr.base_batch_size) == (64, 0.1, 256)


BASELINES = sorted(glob.glob(osp.join(REPO, 'configs/brl/baselines/*/*.py')))
#: brl_mm's fast-path stand-ins and the stock part each one is, bit for bit.
STAND_INS = {'CachedPreNormalize3D': 'PreNormalize3D',
             'FastUniformSampleFrames': 'UniformSampleFrames',
             'SyncFreeGCNHead': 'GCNHead'}


@pytest.mark.parametrize('config', BASELINES,
                         ids=[osp.relpath(c, REPO) for c in BASELINES])
def test_baselines_share_brl_data_and_schedule(config):
    """A baseline = its BRL config without STAE, mixup and the AA loss, on
    mmaction2's stock head and transforms."""
    cfg = load_config(config)
    folder = osp.basename(osp.dirname(config))
    tag = osp.basename(config).split('_', 1)[1]
    brl = load_config(osp.join(REPO, 'configs/brl', folder, f'brl_{tag}'))
    assert 'blending' not in cfg.model.data_preprocessor
    assert cfg.model.cls_head.loss_cls.type != 'ActionAwareLoss'
    assert cfg.model.backbone == brl.model.backbone
    assert cfg.model.cls_head.type == 'GCNHead'
    assert brl.model.cls_head.type == 'SyncFreeGCNHead'
    for key in ('train_cfg', 'param_scheduler', 'optim_wrapper',
                'auto_scale_lr', 'custom_hooks', 'val_dataloader',
                'test_dataloader'):
        assert cfg[key] == brl[key], key
    train, brl_train = (c.train_dataloader.dataset.dataset for c in (cfg, brl))
    stae = ('RandomScale', 'RandomRot', 'SpatialFlip')
    assert not any(t.type in stae or t.type in STAND_INS
                   for t in train.pipeline)

    def stock(t):  # the stock part of a stand-in
        return dict(t, type=STAND_INS.get(t.type, t.type))

    assert [stock(t) for t in brl_train.pipeline if t.type not in stae] == \
        [dict(t) for t in train.pipeline]
    assert {k: v for k, v in train.items() if k != 'pipeline'} == \
        {k: v for k, v in brl_train.items() if k != 'pipeline'}


def _bases(config: str) -> list:
    """The ``_base_`` files a config file names (absolute paths)."""
    import ast
    with open(config) as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                getattr(t, 'id', None) == '_base_' for t in node.targets):
            names = ast.literal_eval(node.value)
            names = [names] if isinstance(names, str) else names
            return [osp.normpath(osp.join(osp.dirname(config), n))
                    for n in names]
    return []


def _depth(config: str) -> int:
    return max((1 + _depth(b) for b in _bases(config)), default=0)


#: The one leaf that inherits another: the headline under its folder's name.
ALIASES = {'configs/brl/ntu60_xsub_lt/brl_stgcnpp_ntu60-xsub-lt100_j.py':
           'configs/brl/ntu60_xsub_lt.py'}


def _sampler_variant_of(config: str):
    """The leaf a sampler variant (issue 18) varies, else None: a file that
    assigns only ``_base_ = './<leaf>.py'`` (one config of its own folder)
    and ``train_dataloader = dict(sampler=...)``."""
    import ast
    with open(config) as f:
        body = [n for n in ast.parse(f.read()).body
                if not isinstance(n, ast.Expr)]
    names = [t.id for n in body if isinstance(n, ast.Assign)
             for t in n.targets if isinstance(t, ast.Name)]
    loader = [n.value for n in body if isinstance(n, ast.Assign)
              and getattr(n.targets[0], 'id', None) == 'train_dataloader']
    bases = _bases(config)
    if (sorted(names) != ['_base_', 'train_dataloader'] or len(body) != 2
            or len(bases) != 1 or not loader
            or [k.arg for k in getattr(loader[0], 'keywords', [])] !=
            ['sampler'] or osp.dirname(bases[0]) != osp.dirname(config)):
        return None
    return bases[0]


@pytest.mark.parametrize('config', CONFIGS, ids=IDS)
def test_leaf_configs_inherit_their_bases_directly(config):
    """Every leaf names its bases under configs/_base_/ (baselines too: not
    a BRL config), at most 3 _base_ levels deep. A sampler variant is a few
    lines over the leaf it varies, which obeys the rule."""
    config = _sampler_variant_of(config) or config
    relpath = osp.relpath(config, REPO)
    bases = [osp.relpath(b, REPO) for b in _bases(config)]
    if relpath in ALIASES:
        assert bases == [ALIASES[relpath]]
    else:
        assert bases and all(b.startswith('configs/_base_/') for b in bases)
    assert _depth(config) <= 3


def test_sampler_variants_change_only_the_sampler():
    """cas_* / rfs_* / brl-cas_*: their leaf's resolved config with another
    train_dataloader.sampler."""
    variants = {c: _sampler_variant_of(c) for c in CONFIGS}
    variants = {c: leaf for c, leaf in variants.items() if leaf}
    assert len(variants) >= 6
    for variant, leaf in variants.items():
        cfg, base = (load_config(c).to_dict() for c in (variant, leaf))
        sampler = cfg['train_dataloader'].pop('sampler')
        assert sampler['type'] in ('ClassAwareSampler', 'ClassPowerSampler',
                                   'RepeatFactorSampler'), variant
        assert base['train_dataloader'].pop('sampler') != sampler
        assert cfg == base, variant


def test_bases_are_plain_data():
    """No base builds its pipelines from code: no globals().update, no
    functions, no {{_base_...}} text substitution."""
    bases = glob.glob(osp.join(REPO, 'configs/_base_/**/*.py'), recursive=True)
    assert len(bases) >= 4 + 15  # the families and their streams
    for base in bases:
        with open(base) as f:
            text = f.read()
        for trick in ('globals()', '\ndef ', '{{'):
            assert trick not in text, (base, trick)


@pytest.mark.slow
@pytest.mark.parametrize('config', [
    'configs/brl/ntu120_xset_lt/brl_stgcnpp_ntu120-xset-lt50_k.py',
    'configs/brl/nw_ucla_lt/brl_stgcnpp_nwucla-lt10_bm.py',
    'configs/brl/k400/brl_stgcnpp_k400_b.py',
])
def test_config_dump_reloads(config, tmp_path):
    """What the runner writes to the work dir loads back to the same
    config (the per-stream loaders are plain data)."""
    cfg = load_config(osp.join(REPO, config))
    cfg.dump(str(tmp_path / 'dumped.py'))
    again = load_config(str(tmp_path / 'dumped.py'))
    assert again.to_dict() == cfg.to_dict()


def test_benchmark_config_without_data_says_how_to_get_it(tmp_path,
                                                          monkeypatch,
                                                          lean_runner):
    monkeypatch.chdir(tmp_path)  # no data/ here
    cfg = load_config(osp.join(REPO, 'configs/brl/ntu60_xsub_lt.py'))
    assert cfg.train_dataloader.dataset.dataset.lt_split_file == \
        'NTU60_xsub_exp_100'
    assert cfg.model.cls_head.num_classes == 60
    runner = lean_runner(cfg, tmp_path)  # model, hooks, optimizer settings
    with pytest.raises(FileNotFoundError) as err:
        runner.build_dataloader(cfg.train_dataloader)
    message = str(err.value)
    assert 'data/skeleton/ntu60_3danno.pkl not found' in message
    assert 'tools/data/skeleton/README.md' in message


def test_benchmark_recipe_matches_the_spec():
    cfg = load_config(osp.join(REPO, 'configs/brl/ntu60_xsub_lt.py'))
    assert cfg.train_cfg.max_epochs == 24
    assert cfg.train_dataloader.dataset.times == 5
    assert cfg.train_dataloader.batch_size == 16
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.momentum, opt.weight_decay,
            opt.nesterov) == ('SGD', 0.1, 0.9, 0.0005, True)
    assert cfg.auto_scale_lr == dict(enable=True, base_batch_size=128)
    backbone = cfg.model.backbone
    assert (backbone.gcn_adaptive, backbone.gcn_with_res,
            backbone.tcn_type) == ('init', True, 'mstcn')
    test_sampling = cfg.test_dataloader.dataset.pipeline[2]
    assert (test_sampling.clip_len, test_sampling.num_clips) == (64, 10)
