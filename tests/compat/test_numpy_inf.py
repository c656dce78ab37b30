"""Issue 16 item 7: mmaction2 1.2.0's own PoseCompact / MMCompact use np.Inf
(removed in numpy 2); the numpy_inf shim makes them run, and without it they
fail."""
import numpy as np
import pytest

from brl_mm.testing import run_python

POSE_COMPACT = """
import numpy as np
import brl_mm
from mmaction.datasets.transforms import PoseCompact, MMCompact
kp = np.zeros((1, 2, 17, 2), np.float32)
kp[0, :, :, 0] = np.linspace(20, 60, 17)
kp[0, :, :, 1] = np.linspace(30, 50, 17)
out = PoseCompact(hw_ratio=None, allow_imgpad=False, padding=0.)(
    dict(keypoint=kp.copy(), img_shape=(100, 100)))
print('pose', out['img_shape'], out['keypoint'][0, 0, 0].tolist())
out = MMCompact(padding=0., hw_ratio=None, allow_imgpad=False)(
    dict(keypoint=kp.copy(), img_shape=(100, 100),
         imgs=[np.zeros((100, 100, 3))]))
print('mm', out['img_shape'])
"""


@pytest.mark.skipif(hasattr(np, 'Inf'), reason='numpy 1 still has np.Inf')
def test_without_the_shim_mmaction_fails():
    result = run_python(POSE_COMPACT,
                        env=dict(BRL_MM_DISABLE_COMPAT='numpy_inf'))
    assert result.returncode != 0
    assert 'np.Inf' in result.stderr


def test_with_the_shim_pose_compact_crops_to_the_keypoints():
    result = run_python(POSE_COMPACT)
    assert result.returncode == 0, result.stderr
    # the box of the keypoints: x 20..60, y 30..50 -> (h, w) = (20, 40),
    # keypoints shifted by the box corner (20, 30)
    assert 'pose (20, 40) [0.0, 0.0]' in result.stdout
    assert 'mm (20, 40)' in result.stdout


def test_numpy_itself_is_unchanged():
    import brl_mm  # noqa: F401
    from mmaction.datasets.transforms import pose_transforms
    assert pose_transforms.np.Inf == np.inf
    assert pose_transforms.np.zeros is np.zeros
    assert hasattr(np, 'Inf') == (int(np.__version__.split('.')[0]) < 2)
