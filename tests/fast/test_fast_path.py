"""The BRL training fast path: the config model (SyncFreeGCNHead) gives the
stock mmaction2 model's loss and gradients; the BRL recipe trains under bf16
autocast where the stock head fails; --amp + optim_wrapper.dtype select
AmpOptimWrapper with bf16; CompileModulesHook compiles in place and keeps
the checkpoint keys."""
import copy
import importlib.util
import os.path as osp
import types

import pytest
import torch
from mmaction.registry import HOOKS, MODELS
from mmaction.structures import ActionDataSample
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope

from brl_mm.fast.compile_hook import CompileModulesHook, compile_modules
from brl_mm.testing import REPO, load_config

NUM_CLASSES = 5
COUNTS = [20, 10, 5, 2, 1]
TINY = dict(base_channels=8, num_stages=2, inflate_stages=[], down_stages=[])


def _model_cfg(name, head=None):
    """A model base of configs/_base_/models/, shrunk; ``head`` replaces the
    head type (the stock-model base uses mmaction's GCNHead)."""
    cfg = load_config(osp.join(REPO, 'configs', '_base_', 'models', name))
    model = copy.deepcopy(cfg.model)
    if head is not None:
        model.cls_head.type = head
    model.backbone.update(TINY)
    model.cls_head.update(num_classes=NUM_CLASSES, in_channels=8)
    blending = model.get('data_preprocessor', {}).get('blending')
    if blending:
        blending.num_classes = NUM_CLASSES
    return model


def _stock_cfg():
    """The model of mmaction2's own ST-GCN++ NTU60 config, shrunk alike."""
    path = osp.join(
        osp.dirname(__import__('mmaction').__file__), '.mim', 'configs',
        'skeleton', 'stgcnpp',
        'stgcnpp_8xb16-joint-u100-80e_ntu60-xsub-keypoint-3d.py')
    model = copy.deepcopy(load_config(path).model)
    model.backbone.update(TINY)
    model.cls_head.update(num_classes=NUM_CLASSES, in_channels=8)
    return model


def _build(cfg, weights=None):
    init_default_scope('mmaction')
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    if weights is not None:
        model.load_state_dict(weights, strict=False)
    loss = model.cls_head.loss_cls
    if hasattr(loss, 'set_class_counts'):
        loss.set_class_counts(COUNTS)
    blending = getattr(model.data_preprocessor, 'blending', None)
    if blending is not None:
        blending.set_class_counts(COUNTS)
    return model.train()


def _batch(batch=6, frames=6, seed=0):
    gen = torch.Generator().manual_seed(seed)
    inputs = [torch.randn(1, 2, frames, 25, 3, generator=gen)
              for _ in range(batch)]
    labels = torch.randint(0, NUM_CLASSES, (batch, ), generator=gen)
    return dict(inputs=inputs,
                data_samples=[
                    ActionDataSample().set_gt_label(int(y)) for y in labels
                ])


def _loss_and_grads(model, batch):
    data = model.data_preprocessor(copy.deepcopy(batch), training=False)
    model.zero_grad()
    losses = model(**data, mode='loss')
    losses['loss_cls'].backward()
    return losses, {n: p.grad.clone() for n, p in model.named_parameters()}


@pytest.mark.slow
def test_config_model_has_stock_loss_and_gradients():
    stock = _build(_stock_cfg())
    ours = _build(_model_cfg('stgcnpp.py', head='SyncFreeGCNHead'),
                  stock.state_dict())
    assert type(ours.cls_head).__name__ == 'SyncFreeGCNHead'
    assert list(ours.state_dict()) == list(stock.state_dict())
    batch = _batch()
    stock_losses, stock_grads = _loss_and_grads(stock, batch)
    our_losses, our_grads = _loss_and_grads(ours, batch)
    assert set(our_losses) == set(stock_losses)
    torch.testing.assert_close(our_losses['loss_cls'],
                               stock_losses['loss_cls'], rtol=0, atol=0)
    for key in ('top1_acc', 'top5_acc'):  # stock: float64, ours: float32
        assert our_losses[key].item() == pytest.approx(
            stock_losses[key].item(), abs=1e-7)
    assert our_grads.keys() == stock_grads.keys()
    for name, grad in stock_grads.items():
        torch.testing.assert_close(our_grads[name], grad, rtol=0, atol=0)


def _train_step(model, batch, dtype=None):
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    with torch.autocast('cpu', dtype=dtype or torch.float32,
                        enabled=dtype is not None):
        return model.train_step(copy.deepcopy(batch), optim)


@pytest.mark.slow
def test_brl_recipe_trains_under_bf16_autocast_where_stock_fails():
    brl = _build(_model_cfg('stgcnpp_brl.py'))
    brl.cls_head.loss_cls.set_stage(2)
    before = [p.detach().clone() for p in brl.parameters()]
    log = _train_step(brl, _batch(batch=16), torch.bfloat16)
    assert torch.isfinite(log['loss'])
    assert log['loss'].dtype == torch.float32  # the loss is computed in fp32
    assert any(not torch.equal(b, p) for b, p in zip(before, brl.parameters()))
    # same recipe, hard labels (no mixup), SyncFreeGCNHead: accuracy logged
    plain = _build(_model_cfg('stgcnpp.py', head='SyncFreeGCNHead'))
    log = _train_step(plain, _batch(), torch.bfloat16)
    assert {'top1_acc', 'top5_acc'} <= set(log)
    stock = _build(_stock_cfg())
    with pytest.raises(TypeError):  # numpy has no bfloat16 (pitfall 7)
        _train_step(stock, _batch(), torch.bfloat16)


def test_amp_bf16_from_the_command_line(tmp_path):
    spec = importlib.util.spec_from_file_location(
        'brl_tool_train_amp', osp.join(REPO, 'tools', 'train.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    args = tool.parse_args([
        osp.join(REPO, 'configs', 'brl', 'synthetic_lt_cpu.py'), '--amp',
        '--work-dir', str(tmp_path), '--cfg-options',
        'optim_wrapper.dtype=bfloat16', 'compile=True'
    ])
    cfg = tool.merge_args(load_config(args.config), args)
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.dtype == 'bfloat16'
    assert cfg.optim_wrapper.loss_scale == 'dynamic'
    assert cfg.compile is True


@pytest.mark.slow
def test_compile_modules_hook_in_place_keeps_keys_and_outputs():
    model = _build(_model_cfg('stgcnpp.py')).eval()
    keys = list(model.state_dict())
    x = torch.randn(2, 2, 6, 25, 3)
    with torch.no_grad():
        expected = model.backbone(x)
    hook = HOOKS.build(dict(type='CompileModulesHook', backend='eager'))
    assert isinstance(hook, CompileModulesHook)
    hook.before_train(types.SimpleNamespace(model=model))
    assert model.backbone._compiled_call_impl is not None
    assert model.cls_head._compiled_call_impl is None
    assert list(model.state_dict()) == keys  # no _orig_mod. prefix
    with torch.no_grad():
        torch.testing.assert_close(model.backbone(x), expected)
    with pytest.raises(ValueError, match='no sub-module .*neck'):
        compile_modules(model, ['neck'])
    with pytest.raises(ValueError, match='at least one module'):
        CompileModulesHook(modules=())
