"""The synthetic generator's body model: a pelvis-rooted kinematic tree
with the 25 Kinect v2 joints, the face points of COCO and helper joints,
scaled per subject, its forward kinematics and the small numeric helpers
the motions use (all vectorised over time)."""
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import numpy as np

from ...layouts import LAYOUTS, get_layout

# Joint-name aliases for layouts whose joint differs in name from the body
# model (OpenPose's neck sits between the shoulders, like Kinect's
# spine_shoulder).
_NAME_ALIASES: Dict[str, Dict[str, str]] = {
    'openpose': {
        'neck': 'spine_shoulder'
    },
}

_SIDES = ('left', 'right')

# --------------------------------------------------------------------------
# The body model
# --------------------------------------------------------------------------
# Body frame: x = the subject's left, y = up, z = the subject's forward.
# Entries: (name, parent, offset from the parent for an average 1.75 m adult in
# metres, proportion group). Names starting with 'left_' get a mirrored
# 'right_' twin. Zero offsets are helper joints whose rotation moves only
# their own sub-tree (lumbar spine, clavicles).
_BODY_SPEC: Tuple[Tuple[str, Optional[str], Tuple[float, float, float], str],
                  ...] = (
    ('spine_base', None, (0.0, 0.0, 0.0), 'torso'),
    ('lumbar', 'spine_base', (0.0, 0.0, 0.0), 'torso'),
    ('spine_mid', 'lumbar', (0.0, 0.24, -0.01), 'torso'),
    ('spine_shoulder', 'spine_mid', (0.0, 0.22, -0.01), 'torso'),
    ('neck', 'spine_shoulder', (0.0, 0.07, 0.01), 'neck'),
    ('head', 'neck', (0.0, 0.12, 0.01), 'head'),
    ('nose', 'head', (0.0, -0.02, 0.10), 'head'),
    ('left_eye', 'head', (0.033, 0.015, 0.085), 'head'),
    ('left_ear', 'head', (0.075, 0.0, 0.0), 'head'),
    ('left_clavicle', 'spine_shoulder', (0.0, 0.0, 0.0), 'width'),
    ('left_shoulder', 'left_clavicle', (0.17, -0.02, -0.01), 'width'),
    ('left_elbow', 'left_shoulder', (0.0, -0.28, 0.0), 'arm'),
    ('left_wrist', 'left_elbow', (0.0, -0.25, 0.0), 'arm'),
    ('left_hand', 'left_wrist', (0.0, -0.07, 0.0), 'hand'),
    ('left_hand_tip', 'left_hand', (0.0, -0.08, 0.0), 'hand'),
    ('left_thumb', 'left_hand', (-0.01, -0.02, 0.045), 'hand'),
    ('left_hip', 'spine_base', (0.085, -0.06, 0.0), 'hips'),
    ('left_knee', 'left_hip', (0.0, -0.43, 0.0), 'leg'),
    ('left_ankle', 'left_knee', (0.0, -0.42, -0.01), 'leg'),
    ('left_foot', 'left_ankle', (0.0, -0.05, 0.12), 'foot'),
)

# Heights above the floor of the contact joints when they carry weight.
_CONTACT_CLEARANCE = {'foot': 0.03, 'ankle': 0.08, 'knee': 0.06}

# Idle (sway / fidget) angle noise per joint, degrees.
_IDLE_DEG = {
    'spine_base': 1.0, 'lumbar': 1.5, 'spine_mid': 1.5, 'spine_shoulder': 1.0,
    'neck': 4.0, 'head': 3.0, 'clavicle': 1.5, 'shoulder': 4.0, 'elbow': 5.0,
    'wrist': 7.0, 'hand': 4.0, 'hip': 1.5, 'knee': 1.5, 'ankle': 1.5
}

# Sensor jitter multiplier per joint (hands, tips and feet track worst).
_JITTER_MULT = {
    'wrist': 1.4, 'elbow': 1.2, 'hand': 1.8, 'hand_tip': 3.0, 'thumb': 3.0,
    'ankle': 1.4, 'foot': 2.0, 'knee': 1.2, 'head': 1.2
}


def _expand_body_spec():
    """Expand :data:`_BODY_SPEC` with the mirrored right side."""
    rows = []
    for name, parent, offset, group in _BODY_SPEC:
        rows.append((name, parent, offset, group))
        if name.startswith('left_'):
            twin = 'right_' + name[5:]
            twin_parent = parent
            if parent is not None and parent.startswith('left_'):
                twin_parent = 'right_' + parent[5:]
            rows.append((twin, twin_parent,
                         (-offset[0], offset[1], offset[2]), group))
    return rows


class _Body:
    """Index tables of the internal body model."""

    def __init__(self) -> None:
        rows = _expand_body_spec()
        self.names: List[str] = [r[0] for r in rows]
        self.index: Dict[str, int] = {n: i for i, n in enumerate(self.names)}
        self.parents = np.array(
            [-1 if r[1] is None else self.index[r[1]] for r in rows])
        self.offsets = np.array([r[2] for r in rows], dtype=np.float64)
        self.groups: List[str] = [r[3] for r in rows]
        self.num_joints = len(rows)
        assert all(p < i for i, p in enumerate(self.parents))
        self.kind = [self._kind(n) for n in self.names]

    @staticmethod
    def _kind(name: str) -> str:
        for side in _SIDES:
            if name.startswith(side + '_'):
                return name[len(side) + 1:]
        return name

    def joints(self, kind: str) -> List[int]:
        """Indices of the joints of a kind (``'hand'`` -> both hands)."""
        return [i for i, k in enumerate(self.kind) if k == kind]


_BODY = _Body()


def _j(name: str) -> int:
    return _BODY.index[name]


# --------------------------------------------------------------------------
# Small numeric helpers (all vectorised over time)
# --------------------------------------------------------------------------
def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def _local_rotations(ang: np.ndarray) -> np.ndarray:
    """Swing-twist rotation matrices of joint angle channels.

    Args:
        ang (np.ndarray): ``(..., 3)`` radians: ``[..., 0]`` and ``[..., 2]``
            form the swing rotation vector ``(x, 0, z)`` (axis in the
            horizontal plane of the parent frame), ``[..., 1]`` is the twist
            about the bone's rest axis ``y``, applied first.

    Returns:
        np.ndarray: ``(..., 3, 3)`` rotation matrices ``swing @ twist``.
    """
    ax, ay, az = ang[..., 0], ang[..., 1], ang[..., 2]
    theta = np.sqrt(ax * ax + az * az)
    safe = np.where(theta > 1e-9, theta, 1.0)
    kx = np.where(theta > 1e-9, ax / safe, 0.0)
    kz = np.where(theta > 1e-9, az / safe, 0.0)
    c, s = np.cos(theta), np.sin(theta)
    C = 1.0 - c
    swing = np.empty(ang.shape[:-1] + (3, 3))
    swing[..., 0, 0] = c + kx * kx * C
    swing[..., 0, 1] = -kz * s
    swing[..., 0, 2] = kx * kz * C
    swing[..., 1, 0] = kz * s
    swing[..., 1, 1] = c
    swing[..., 1, 2] = -kx * s
    swing[..., 2, 0] = kx * kz * C
    swing[..., 2, 1] = kx * s
    swing[..., 2, 2] = c + kz * kz * C
    cy, sy = np.cos(ay), np.sin(ay)
    # swing @ Ry(ay): columns 0 and 2 mix, column 1 stays.
    out = np.empty_like(swing)
    out[..., :, 0] = swing[..., :, 0] * cy[..., None] - \
        swing[..., :, 2] * sy[..., None]
    out[..., :, 1] = swing[..., :, 1]
    out[..., :, 2] = swing[..., :, 0] * sy[..., None] + \
        swing[..., :, 2] * cy[..., None]
    return out


def _rot_y(angle: np.ndarray) -> np.ndarray:
    """Rotation matrices about the vertical axis, ``(...,) -> (..., 3, 3)``."""
    angle = np.asarray(angle, dtype=np.float64)
    c, s = np.cos(angle), np.sin(angle)
    R = np.zeros(angle.shape + (3, 3))
    R[..., 0, 0] = c
    R[..., 0, 2] = s
    R[..., 1, 1] = 1.0
    R[..., 2, 0] = -s
    R[..., 2, 2] = c
    return R


def _forward_kinematics(offsets: np.ndarray, local: np.ndarray) -> np.ndarray:
    """Joint positions of the body tree.

    Args:
        offsets (np.ndarray): ``(J, 3)`` rest offsets of each joint from its
            parent, in the parent's frame.
        local (np.ndarray): ``(T, J, 3, 3)`` local joint rotations.

    Returns:
        np.ndarray: ``(T, J, 3)`` positions, root at the origin.
    """
    T, J = local.shape[:2]
    glob = np.empty_like(local)
    pos = np.zeros((T, J, 3))
    glob[:, 0] = local[:, 0]
    for j in range(1, J):  # parents come first in the table
        p = _BODY.parents[j]
        pos[:, j] = pos[:, p] + glob[:, p] @ offsets[j]
        glob[:, j] = glob[:, p] @ local[:, j]
    return pos


def _smooth_noise(rng: np.random.Generator, t: np.ndarray, shape: Tuple,
                  max_hz: float, min_hz: float = 0.05) -> np.ndarray:
    """Band-limited noise with unit standard deviation.

    Sum of three random sinusoids per channel, ``(T,) -> (T, *shape)``.
    """
    k = 3
    freq = rng.uniform(min_hz, max_hz, size=(k, ) + shape)
    phase = rng.uniform(0, 2 * np.pi, size=(k, ) + shape)
    amp = rng.normal(size=(k, ) + shape)
    amp /= np.sqrt((amp**2).sum(0, keepdims=True) / 2.0) + 1e-9
    tt = t.reshape((-1, 1) + (1, ) * len(shape))
    wave = np.sin(2 * np.pi * freq[None] * tt + phase[None])
    return (amp[None] * wave).sum(1)


# --------------------------------------------------------------------------
# Subjects
# --------------------------------------------------------------------------
@dataclass
class _Subject:
    """Everything that stays fixed for one performer."""

    pid: int
    offsets: np.ndarray  # (J, 3) scaled rest offsets
    posture: np.ndarray  # (J, 3) rest-pose angles, radians
    tempo: float  # personal speed factor
    amp: float  # personal motion amplitude factor
    sway: float  # idle sway / fidget level
    height: float  # body height in metres (for reporting)


def _make_subject(seed: int, pid: int) -> _Subject:
    """Draw the body and personal style of subject ``pid``."""
    rng = np.random.default_rng([seed, 11, pid])
    scale = float(np.clip(rng.normal(1.0, 0.06), 0.84, 1.16))
    group_sd = dict(torso=0.04, neck=0.06, head=0.04, width=0.07, arm=0.035,
                    hand=0.06, hips=0.08, leg=0.035, foot=0.06)
    group_f = {g: float(np.clip(rng.normal(1.0, sd), 1 - 3 * sd, 1 + 3 * sd))
               for g, sd in group_sd.items()}
    factors = np.array([group_f[g] for g in _BODY.groups]) * scale
    # A touch of left/right asymmetry and per-bone variation.
    factors = factors * rng.normal(1.0, 0.012, size=factors.shape)
    offsets = _BODY.offsets * factors[:, None]

    posture = np.zeros((_BODY.num_joints, 3))

    def set_axial(name: str, flex: float, lat: float = 0.0,
                  twist: float = 0.0) -> None:
        posture[_j(name)] += np.deg2rad([flex, twist, -lat])

    def set_limb(kind: str, flex: float, abd: float, twist: float) -> None:
        for side, sgn in zip(_SIDES, (1.0, -1.0)):
            asym = rng.normal(0, 1.5, size=3)
            posture[_j(f'{side}_{kind}')] += np.deg2rad(
                [-(flex + asym[0]), sgn * (twist + asym[1]),
                 sgn * (abd + asym[2])])

    set_axial('spine_base', rng.normal(0, 2.0), rng.normal(0, 1.5))
    set_axial('lumbar', rng.normal(1, 2))
    set_axial('spine_mid', rng.normal(3, 2.5))
    set_axial('neck', rng.normal(6, 5))
    set_axial('head', rng.normal(-4, 4), rng.normal(0, 2), rng.normal(0, 3))
    set_limb('clavicle', 0.0, rng.normal(0, 3), -rng.normal(2, 3))
    set_limb('shoulder', rng.normal(3, 4), rng.normal(8, 3), rng.normal(0, 8))
    set_limb('elbow', rng.normal(14, 6), 0.0, 0.0)
    set_limb('wrist', rng.normal(5, 5), rng.normal(0, 4), 0.0)
    set_limb('hip', rng.normal(0, 2), rng.normal(3, 2), rng.normal(8, 5))
    set_limb('knee', -abs(rng.normal(3, 2)), 0.0, 0.0)
    set_limb('ankle', 0.0, 0.0, 0.0)
    return _Subject(
        pid=pid,
        offsets=offsets,
        posture=posture,
        tempo=float(np.exp(rng.normal(0, 0.15))),
        amp=float(np.clip(rng.normal(1.0, 0.1), 0.75, 1.25)),
        sway=float(rng.uniform(0.5, 1.5)),
        height=1.75 * scale)



def _layout_joint_index(layout: str) -> np.ndarray:
    """Body-model joint of every joint of ``layout``, matched by name."""
    lay = get_layout(layout)
    alias = _NAME_ALIASES.get(layout, {})
    idx = []
    for name in lay.joint_names:
        name = alias.get(name, name)
        if name not in _BODY.index:
            raise ValueError(f'layout {layout!r}: joint {name!r} has no '
                             'counterpart in the synthetic body model')
        idx.append(_BODY.index[name])
    return np.array(idx)




def synthetic_layouts() -> List[str]:
    """The layouts of :data:`brl_mm.layouts.LAYOUTS` the generator can write:
    those whose every joint (by name, through the aliases above) is a joint
    of the body model. A layout added to the table with such joint names is
    available here without further code.

    Returns:
        list[str]: The layout names, sorted.
    """
    def covered(entry) -> bool:
        alias = _NAME_ALIASES.get(entry.name, {})
        return bool(entry.joint_names) and all(
            alias.get(n, n) in _BODY.index for n in entry.joint_names)

    return sorted(name for name, entry in LAYOUTS.items() if covered(entry))
