"""Each compat shim fixes a real failure: with the shim switched off
(BRL_MM_DISABLE_COMPAT) the same code fails."""
import textwrap

import pytest

from brl_mm.testing import run_python


def _run(code: str, disable: str = '', **env):
    env = dict(env)
    env['BRL_MM_DISABLE_COMPAT'] = disable
    return run_python(textwrap.dedent(code), env=env)


# ------------------------------------------------------------- drn_stub
IMPORT_MODELS = """
import brl_mm
import mmaction.models
from mmaction.registry import MODELS
print('STGCN' in MODELS.module_dict)
"""


def test_drn_stub_lets_mmaction_models_import():
    result = _run(IMPORT_MODELS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith('True')


def test_without_drn_stub_mmaction_models_fails():
    result = _run(IMPORT_MODELS, disable='drn_stub')
    assert result.returncode != 0
    assert "No module named 'mmaction.models.localizers.drn'" in result.stderr


def test_drn_placeholder_explains_itself():
    result = _run("""
        import brl_mm
        from mmaction.models.localizers import DRN
        try:
            DRN()
        except ImportError as e:
            print('ERR', e)
    """)
    assert result.returncode == 0, result.stderr
    assert 'ERR DRN is missing from the mmaction2 1.2.0 wheel' in result.stdout


# ----------------------------------------------------- multimodal_guard
@pytest.fixture
def fake_transformers_5(tmp_path):
    """A transformers 5.0.0 distribution that lacks what VindLU imports."""
    pkg = tmp_path / 'transformers'
    pkg.mkdir()
    (pkg / '__init__.py').write_text("__version__ = '5.0.0'\n")
    info = tmp_path / 'transformers-5.0.0.dist-info'
    info.mkdir()
    (info / 'METADATA').write_text(
        'Metadata-Version: 2.1\nName: transformers\nVersion: 5.0.0\n')
    return str(tmp_path)


def test_multimodal_guard_with_transformers_5(fake_transformers_5):
    result = _run(IMPORT_MODELS, PYTHONPATH=fake_transformers_5)
    assert result.returncode == 0, result.stderr
    assert 'transformers >= 5 is installed' in result.stderr
    # mmaction's placeholders are registered instead of the real models
    check = _run(
        """
        import brl_mm, mmaction.models
        from mmaction.registry import MODELS
        try:
            MODELS.build(dict(type='VindLUVQA'))
        except ImportError as e:
            print('placeholder:', 'multi-modal' in str(e))
        """, PYTHONPATH=fake_transformers_5)
    assert 'placeholder: True' in check.stdout, check.stderr


def test_without_multimodal_guard_transformers_5_breaks(fake_transformers_5):
    result = _run(
        IMPORT_MODELS,
        disable='multimodal_guard',
        PYTHONPATH=fake_transformers_5)
    assert result.returncode != 0
    assert "No module named 'transformers.models'" in result.stderr


# ------------------------------------------ trusted_checkpoint_loading
LOAD_CKPT = """
import torch, brl_mm
from mmengine.logging import MessageHub
from mmengine.runner import load_checkpoint
model = torch.nn.Linear(3, 2)
hub = MessageHub.get_instance('compat-test')
hub.update_scalar('train/loss', 0.5)
torch.save(dict(state_dict=model.state_dict(),
                message_hub=hub.state_dict(), meta=dict(epoch=1)), {path!r})
fresh = torch.nn.Linear(3, 2)
load_checkpoint(fresh, {path!r})
print('equal', torch.equal(fresh.weight, model.weight))
"""


def test_trusted_loading_reads_mmengine_checkpoints(tmp_path):
    code = LOAD_CKPT.format(path=str(tmp_path / 'epoch_1.pth'))
    result = _run(code)
    assert result.returncode == 0, result.stderr
    assert 'equal True' in result.stdout
    assert 'weights_only=False because you named it' in (
        result.stdout + result.stderr)


def test_without_trusted_loading_mmengine_checkpoints_fail(tmp_path):
    code = LOAD_CKPT.format(path=str(tmp_path / 'epoch_1.pth'))
    result = _run(code, disable='trusted_checkpoint_loading')
    assert result.returncode != 0
    assert 'weights_only' in result.stderr


def test_plain_tensor_checkpoints_stay_on_the_safe_path(tmp_path):
    result = _run(f"""
        import torch, brl_mm
        from brl_mm.compat import load_from_local_trusted
        torch.save(dict(w=torch.ones(2)), {str(tmp_path / 'w.pth')!r})
        print(load_from_local_trusted({str(tmp_path / 'w.pth')!r})['w'].sum())
    """)
    assert result.returncode == 0, result.stderr
    assert 'tensor(2.)' in result.stdout
    assert 'weights_only=False' not in result.stdout + result.stderr


def test_missing_checkpoint_names_the_file(tmp_path):
    from brl_mm.compat import load_from_local_trusted
    missing = str(tmp_path / 'nope.pth')
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_from_local_trusted(missing)


# ------------------------------------------- pkg_resources_free_config
INHERIT_STOCK = """
import sys, tempfile, os
sys.modules['pkg_resources'] = None   # as with setuptools >= 82
import brl_mm
from mmengine.config import Config
d = tempfile.mkdtemp()
path = os.path.join(d, 'child.py')
with open(path, 'w') as f:
    f.write("_base_ = 'mmaction::skeleton/stgcnpp/"
            "stgcnpp_8xb16-joint-u100-80e_ntu60-xsub-keypoint-3d.py'\\n"
            "model = dict(cls_head=dict(num_classes=7))\\n")
cfg = Config.fromfile(path)
print(cfg.model.backbone.type, cfg.model.cls_head.num_classes)
"""


def test_mmaction_inheritance_without_pkg_resources():
    result = _run(INHERIT_STOCK)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith('STGCN 7')


def test_without_shim_inheritance_needs_pkg_resources():
    result = _run(INHERIT_STOCK, disable='pkg_resources_free_config')
    assert result.returncode != 0
    assert 'pkg_resources' in result.stderr


def test_installed_path_helpers():
    import os.path as osp

    from brl_mm import compat
    assert compat.is_installed('mmaction2')
    assert not compat.is_installed('surely-not-a-package-xyz')
    path = compat.get_installed_path('mmaction2')
    assert osp.basename(path) == 'mmaction'
    assert osp.isdir(osp.join(path, '.mim', 'configs', 'skeleton'))


def test_disable_switch_controls_which_shims_apply(monkeypatch):
    from brl_mm import compat
    calls = []

    def shim(name):
        return lambda: calls.append(name) or True

    monkeypatch.setattr(compat, 'SHIMS', dict(a=shim('a'), b=shim('b'),
                                              c=shim('c')))
    monkeypatch.setattr(compat, '_APPLIED', [])
    monkeypatch.setenv('BRL_MM_DISABLE_COMPAT', ' b, c ')
    assert compat.apply_all() == ['a']
    monkeypatch.setenv('BRL_MM_DISABLE_COMPAT', '')
    assert compat.apply_all() == ['a', 'b', 'c']
    assert calls == ['a', 'b', 'c']  # each shim runs once
    monkeypatch.setattr(compat, '_APPLIED', [])
    monkeypatch.setenv('BRL_MM_DISABLE_COMPAT', 'all')
    assert compat.apply_all() == []


def test_default_shims_on_this_stack():
    result = _run('import brl_mm; print(brl_mm.compat.apply_all())')
    assert result.stdout.strip() == (
        "['drn_stub', 'trusted_checkpoint_loading', "
        "'pkg_resources_free_config', 'cpu_distributed', "
        "'config_format_flag', 'graph_table_layouts']")


GRAPH_NW_UCLA = """
import brl_mm
from mmaction.models.utils import Graph
print('nodes', Graph(layout='nw_ucla').num_node)
"""


def test_graph_table_layouts_shim():
    assert _run(GRAPH_NW_UCLA).stdout.strip() == 'nodes 20'
    result = _run(GRAPH_NW_UCLA, disable='graph_table_layouts')
    assert result.returncode != 0
    assert "assert layout in ['openpose', 'nturgb+d', 'coco']" in result.stderr


# ------------------------------------------------------- cpu_distributed
INIT_DIST = """
import socket, brl_mm, torch
from mmengine.dist import init_dist, get_world_size
init_dist('pytorch', backend='gloo')
print('world', get_world_size(), torch.distributed.get_backend())
"""


def _dist_env():
    import socket
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    return dict(RANK='0', LOCAL_RANK='0', WORLD_SIZE='1',
                MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port),
                CUDA_VISIBLE_DEVICES='')


def test_cpu_distributed_init_without_cuda():
    result = _run(INIT_DIST, **_dist_env())
    assert result.returncode == 0, result.stderr
    assert 'world 1 gloo' in result.stdout


def test_without_cpu_distributed_init_needs_cuda():
    result = _run(INIT_DIST, disable='cpu_distributed', **_dist_env())
    assert result.returncode != 0
    assert '_cuda_setDevice' in result.stderr  # torch.cuda.set_device


# --------------------------------------------------- config_format_flag
FORMAT_FLAG = """
import copy, os
import brl_mm
from mmengine.config import Config
path = os.path.join(os.environ['BRL_REPO'], 'configs/brl/ntu60_xsub_lt.py')
cfg = Config.fromfile(path, format_python_code=False)
again = copy.deepcopy(cfg)
print(cfg._format_python_code, again._format_python_code,
      Config.fromfile(path)._format_python_code)
"""


def test_fromfile_keeps_format_python_code_flag():
    from brl_mm.testing import REPO
    result = _run(FORMAT_FLAG, BRL_REPO=REPO)
    assert result.returncode == 0, result.stderr
    # honoured, kept by the Runner's deepcopy, default unchanged
    assert result.stdout.split()[-3:] == ['False', 'False', 'True']


def test_without_shim_fromfile_drops_format_python_code_flag():
    from brl_mm.testing import REPO
    result = _run(FORMAT_FLAG, disable='config_format_flag', BRL_REPO=REPO)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-3:] == ['True', 'True', 'True']


def test_unformatted_dump_loads_back_identically(tmp_path):
    import brl_mm  # noqa: F401
    from mmengine.config import Config

    from brl_mm.testing import REPO
    path = f'{REPO}/configs/brl/ntu60_xsub_lt/brl_stgcnpp_ntu60-xsub-lt10_km.py'
    cfg = Config.fromfile(path, format_python_code=False)
    cfg.dump(str(tmp_path / 'dumped.py'))
    again = Config.fromfile(str(tmp_path / 'dumped.py'))
    assert again.to_dict() == cfg.to_dict()
