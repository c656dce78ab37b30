"""A generator of realistic synthetic long-tailed skeleton action data.

Real NTU RGB+D skeletons cannot be downloaded here, so the demo and the tests
train on this stand-in. Every sample is produced the way a motion-capture
pipeline would see a person move, not by perturbing coordinates:

1. **Body.** An internal 3D body model (pelvis-rooted kinematic tree with the
   25 Kinect v2 joints, the face points of COCO and three zero-length helper
   joints for the lumbar spine and the clavicles) is scaled per *subject*
   (body height, torso / arm / leg proportions, shoulder and hip width) and
   given a personal rest posture.
2. **Motion.** Each class is a function that writes joint *rotations* over
   time (shoulder swing and twist, elbow and knee flexion, spine bending, ...)
   with keyframes, oscillations and envelopes, plus root translations for
   stepping, pushing and jumping. Amplitudes, timing and tempo vary with a
   per (subject, class) style and per sample. Idle sway, breathing, small
   movements of the limbs the action does not use and occasional fidgets are
   added on top.
3. **Forward kinematics** turns rotations into joint positions with constant
   bone lengths; a soft ground contact keeps the supporting foot planted
   (sitting moves the pelvis back over the feet, a tip-toe reach raises the
   body, a kneel drops it).
4. **Camera.** The person (or the pair, facing each other) is placed in front
   of a Kinect-like camera: NTU-style setups (camera height, distance, tilt)
   and three horizontal camera angles (0, +45 and -45 degrees), each sample
   facing slightly left or right. 3D layouts get Kinect camera-space metres
   (``x`` to the sensor's left, ``y`` up, ``z`` depth); 2D layouts get a
   pinhole projection into a 1920x1080 image with per-joint confidences.
5. **Sensor noise.** Per-joint jitter (worst on hands, finger tips and feet),
   short tracking glitches (a joint jumping away or snapping onto another
   one, left/right leg swaps in side views) and, in 2D, detector noise and
   lower scores on occluded or glitched joints.

The training split follows the exponential long-tail profile of
:func:`brl_mm.datasets.long_tail.lt_class_counts` (class 0 is the head); the
validation split is balanced and performed by *different* subjects (cross
subject), so models have to generalise over bodies and personal styles.

Samples are named like NTU (``S{setup}C{camera}P{subject}R{replication}
A{action}``), so the subject of every sample is readable from its name. The
result is an mmaction2 skeleton annotation dict that ``PoseDataset`` loads.

Frames are sampled at ``fps=15`` by default (NTU records at 30 fps): the
default 30-48 frames are 2-3.2 s clips, about NTU's typical duration, and the
default dataset (20 classes, 911 train + 600 val samples) pickles to just
under 20 MB. mmaction's skeleton pipelines resample every clip to a fixed
length anyway. Pass ``fps=30, max_frames=300`` for NTU-like frame counts
(and a pickle about four times larger).
"""
import os
import os.path as osp
import pickle
import tempfile
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from .layouts import get_layout
from .long_tail import lt_class_counts

__all__ = [
    'generate_synthetic_lt', 'synthetic_class_names', 'max_synthetic_classes',
    'SUPPORTED_LAYOUTS'
]

#: Layouts the generator can write, and whether they are 3D or 2D.
SUPPORTED_LAYOUTS: Dict[str, str] = {
    'nturgb+d': '3d',
    'nw_ucla': '3d',
    'coco': '2d',
    'openpose': '2d',
}

# Joint-name aliases for layouts whose joint differs in name from the body
# model (OpenPose's neck sits between the shoulders, like Kinect's
# spine_shoulder).
_NAME_ALIASES: Dict[str, Dict[str, str]] = {
    'openpose': {
        'neck': 'spine_shoulder'
    },
}

_IMG_H, _IMG_W = 1080, 1920
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


# --------------------------------------------------------------------------
# Motion tracks: what the class functions write into
# --------------------------------------------------------------------------
class _Track:
    """Joint-angle and root channels of one person over one clip.

    Class motion functions add rotations with :meth:`limb` / :meth:`axial`
    (degrees, anatomical conventions; ``side`` mirrors left to right) using
    time profiles built from the action progress ``u`` (0 before the action
    window, rising to 1 at its end; shared by both persons of a pair).

    Args:
        u (np.ndarray): ``(T,)`` action progress in ``[0, 1]``.
        fps (float): Frame rate.
        window_s (float): Duration of the action window in seconds.
        subject (_Subject): The performer.
        style_rng (np.random.Generator): Per (subject, class, role) style.
        sample_rng (np.random.Generator): Per-sample variation.
        amp (float): Amplitude factor of this sample.
        tempo (float): Tempo factor of this sample.
    """

    def __init__(self, u: np.ndarray, fps: float, window_s: float,
                 subject: _Subject, style_rng: np.random.Generator,
                 sample_rng: np.random.Generator, amp: float,
                 tempo: float) -> None:
        self.u = u
        self.T = len(u)
        self.fps = fps
        self.window_s = window_s
        self.subject = subject
        self.style_rng = style_rng
        self.sample_rng = sample_rng
        self.amp = amp
        self.tempo = tempo
        self.ang = np.zeros((self.T, _BODY.num_joints, 3))
        self.root_off = np.zeros((self.T, 3))  # body frame, after contact
        self.root_yaw = np.zeros(self.T)  # turn about the pelvis, radians
        self.lift = np.zeros(self.T)  # airborne height (jumps)
        self.uses: set = set()

    # ---------------------------------------------------------- variation
    def var(self, mean: float, sd: float, lo: Optional[float] = None,
            hi: Optional[float] = None) -> float:
        """A parameter drawn from the subject's style and the sample."""
        z = 0.75 * self.style_rng.normal() + 0.66 * self.sample_rng.normal()
        value = mean + sd * z
        if lo is not None or hi is not None:
            value = float(np.clip(value, lo, hi))
        return float(value)

    def deg(self, mean: float, sd: float) -> float:
        """An angle amplitude (degrees), scaled by the amplitude factor."""
        return self.var(mean, sd) * self.amp

    def kv(self, *values, amp: bool = False) -> List[float]:
        """Keyframe values: numbers are kept, ``(mean, sd)`` pairs drawn
        with :meth:`var` (and scaled by the amplitude factor if ``amp``)."""
        out = []
        for v in values:
            if isinstance(v, tuple):
                v = self.var(*v) * (self.amp if amp else 1.0)
            out.append(float(v))
        return out

    # ---------------------------------------------------------- profiles
    def hold(self, rise: float = 0.25, fall: float = 0.25) -> np.ndarray:
        """0 -> 1 (hold) -> 0 envelope over the window."""
        r = self.var(rise, 0.06, 0.06, 0.45)
        f = self.var(fall, 0.06, 0.06, 0.45)
        u = self.u
        return _smoothstep(u / r) * _smoothstep((1.0 - u) / f)

    def ramp(self, start: float = 0.0, end: float = 1.0) -> np.ndarray:
        """0 -> 1 transition between two progress values."""
        return _smoothstep((self.u - start) / max(end - start, 1e-6))

    def bump(self, center: float, half_width: float) -> np.ndarray:
        """Raised-cosine bump in progress units (peak 1 at ``center``)."""
        x = np.clip((self.u - center) / half_width, -1.0, 1.0)
        return 0.5 * (1.0 + np.cos(np.pi * x))

    def osc(self, freq_hz: float, min_cycles: float = 1.0,
            phase: Optional[float] = None) -> np.ndarray:
        """Sinusoid over the window at ``freq_hz`` times the tempo."""
        cycles = max(min_cycles, freq_hz * self.tempo * self.window_s)
        if phase is None:
            phase = self.sample_rng.uniform(0, 2 * np.pi)
        return np.sin(2 * np.pi * cycles * self.u + phase)

    def cycles(self, freq_hz: float, min_cycles: float = 1.0) -> float:
        """How many cycles of ``freq_hz`` fit in the window."""
        return max(min_cycles, freq_hz * self.tempo * self.window_s)

    def pulses(self, rate_hz: float, half_width_s: float, lo: float = 0.15,
               hi: float = 0.85, max_n: int = 4) -> np.ndarray:
        """Train of bumps, about ``rate_hz`` per second between ``lo`` and
        ``hi`` of the window."""
        n = int(np.clip(round(rate_hz * self.tempo * self.window_s *
                              (hi - lo)), 1, max_n))
        centers = np.linspace(lo, hi, n) if n > 1 else np.array([
            0.5 * (lo + hi)
        ])
        w = float(np.clip(half_width_s / max(self.window_s, 1e-3), 0.03,
                          0.45 / n + 0.05))
        x = np.clip((self.u[:, None] - centers[None]) / w, -1.0, 1.0)
        return (0.5 * (1.0 + np.cos(np.pi * x))).max(1)

    def keys(self, times: Sequence[float],
             jitter: float = 0.03) -> Callable[[Sequence[float]], np.ndarray]:
        """Keyframe interpolator with smooth (ease in/out) segments.

        Args:
            times (Sequence[float]): Increasing key times in progress units.
            jitter (float): Per-sample jitter of the inner key times.

        Returns:
            Callable: ``f(values) -> (T,)`` curve through ``values`` at the
            key times (held constant before the first / after the last).
        """
        ts = np.asarray(times, dtype=np.float64).copy()
        if len(ts) > 2 and jitter > 0:
            ts[1:-1] += self.sample_rng.normal(0, jitter, size=len(ts) - 2)
        ts = np.maximum.accumulate(np.clip(ts, 0.0, 1.0))
        ts = ts + np.arange(len(ts)) * 1e-6
        idx = np.clip(np.searchsorted(ts, self.u, side='right') - 1, 0,
                      len(ts) - 2)
        frac = _smoothstep((self.u - ts[idx]) / (ts[idx + 1] - ts[idx]))

        def curve(values: Sequence[float]) -> np.ndarray:
            v = np.asarray(values, dtype=np.float64)
            return v[idx] + (v[idx + 1] - v[idx]) * frac

        return curve

    # ---------------------------------------------------------- writing
    def limb(self, kind: str, side: str, flex=0.0, abd=0.0,
             twist=0.0) -> None:
        """Rotate a joint of a hanging limb (degrees).

        Args:
            kind (str): ``'clavicle'``, ``'shoulder'``, ``'elbow'``,
                ``'wrist'``, ``'hip'``, ``'knee'`` or ``'ankle'``.
            side (str): ``'left'`` or ``'right'``.
            flex: Forward swing of the bone below the joint (elbow flexion,
                shoulder / hip flexion; negative for the knee).
            abd: Sideways swing away from the body (abduction; clavicle
                elevation).
            twist: External rotation about the bone (clavicle: retraction).
        """
        j = _j(f'{side}_{kind}')
        sgn = 1.0 if side == 'left' else -1.0
        self.ang[:, j, 0] -= np.deg2rad(flex)
        self.ang[:, j, 1] += sgn * np.deg2rad(twist)
        self.ang[:, j, 2] += sgn * np.deg2rad(abd)
        self.uses.add(f'{side}_arm' if kind in
                      ('clavicle', 'shoulder', 'elbow', 'wrist') else 'legs')

    def knee(self, side: str, flex) -> None:
        """Knee flexion (degrees, shank swings back)."""
        self.limb('knee', side, flex=-np.asarray(flex))

    def ankle(self, side: str, dorsi) -> None:
        """Ankle dorsiflexion (degrees, toes up)."""
        self.limb('ankle', side, flex=np.asarray(dorsi))

    def axial(self, name: str, flex=0.0, lat=0.0, twist=0.0) -> None:
        """Rotate a spine / neck / head joint (degrees).

        Args:
            name (str): ``'spine_base'`` (whole body), ``'lumbar'``,
                ``'spine_mid'``, ``'spine_shoulder'``, ``'neck'``, ``'head'``.
            flex: Forward bend.
            lat: Side bend to the subject's left.
            twist: Turn to the subject's left.
        """
        j = _j(name)
        self.ang[:, j, 0] += np.deg2rad(flex)
        self.ang[:, j, 1] += np.deg2rad(twist)
        self.ang[:, j, 2] -= np.deg2rad(lat)
        self.uses.add('head' if name in ('neck', 'head') else 'torso')

    def hinge(self, flex) -> None:
        """Tilt the pelvis forward over the legs (degrees): the trunk bends
        at the hips while the thighs stay put."""
        self.axial('spine_base', flex=flex)
        for side in _SIDES:
            self.limb('hip', side, flex=flex)

    def move(self, forward=0.0, left=0.0) -> None:
        """Translate the body (metres, body frame), added after contact."""
        self.root_off[:, 2] += forward
        self.root_off[:, 0] += left


def _other(side: str) -> str:
    return 'right' if side == 'left' else 'left'


# --------------------------------------------------------------------------
# Motion library: single-person classes
# --------------------------------------------------------------------------
def _wave(m: _Track, side: str) -> None:
    env = m.hold(0.2, 0.2)
    w = m.osc(m.var(2.0, 0.35, 1.2, 3.0), min_cycles=1.5)
    m.limb('shoulder', side, flex=m.deg(20, 12) * env,
           abd=(m.deg(80, 12) + m.var(14, 4) * w) * env,
           twist=m.var(70, 12) * env)
    m.limb('elbow', side, flex=(m.deg(95, 15) - m.var(18, 6) * w) * env)
    m.limb('wrist', side, abd=m.var(10, 6) * w * env)
    m.axial('neck', twist=(1 if side == 'left' else -1) * m.var(5, 5) * env)


def _clap_pose(m: _Track, apart: np.ndarray, env: np.ndarray) -> None:
    """Both hands in front of the chest; ``apart`` in [0, 1] opens them."""
    flex, elbow = m.deg(32, 8), m.deg(75, 10)
    inward, open_ = m.var(48, 8), m.var(30, 6)
    for side in _SIDES:
        m.limb('shoulder', side, flex=flex * env,
               abd=m.var(12, 5) * env, twist=-(inward - open_ * apart) * env)
        m.limb('elbow', side, flex=elbow * env)
        m.limb('wrist', side, flex=m.var(10, 8) * env)


def _clap(m: _Track) -> None:
    env = m.hold(0.2, 0.2)
    apart = 0.5 + 0.5 * m.osc(m.var(2.4, 0.4, 1.5, 3.5), min_cycles=2)
    _clap_pose(m, apart, env)


def _rub_hands(m: _Track) -> None:
    env = m.hold(0.2, 0.2)
    _clap_pose(m, np.full(m.T, m.var(0.05, 0.04, 0.0, 0.15)), env)
    w = m.osc(m.var(2.8, 0.5, 1.5, 4.0), min_cycles=2)
    amp = m.var(7, 2)
    m.limb('shoulder', 'left', flex=amp * w * env)
    m.limb('shoulder', 'right', flex=-amp * w * env)


def _drink(m: _Track, side: str = 'right') -> None:
    k = m.keys([0.0, 0.3, 0.45, 0.7, 1.0])
    m.limb('shoulder', side,
           flex=k(m.kv(0, (40, 8), (45, 8), (40, 8), 0, amp=True)),
           abd=k(m.kv(0, (12, 6), (10, 6), (12, 6), 0)),
           twist=k(m.kv(0, (-15, 8), (-20, 8), (-15, 8), 0)))
    m.limb('elbow', side, flex=k(m.kv(0, (130, 8), (138, 6), (130, 8), 0)))
    m.limb('wrist', side, flex=k([0, 10, -m.var(25, 8), 0, 0]))
    m.axial('neck', flex=k([0, 0, -m.var(12, 5), 0, 0]))


def _phone_call(m: _Track, side: str = 'right') -> None:
    env = m.hold(0.2, 0.2)
    m.limb('shoulder', side, flex=m.deg(25, 8) * env, abd=m.deg(35, 8) * env,
           twist=m.var(5, 10) * env)
    m.limb('elbow', side, flex=m.var(142, 6) * env)
    m.axial('neck', lat=(1 if side == 'right' else -1) * -m.var(8, 4) * env,
            twist=m.var(0, 8) * env)
    # talking: slow head / free-arm gestures
    m.axial('head', flex=m.var(4, 2) * m.osc(0.6) * env)


def _raise_both_arms(m: _Track) -> None:
    env = m.hold(0.3, 0.3)
    for side in _SIDES:
        m.limb('shoulder', side, flex=m.deg(150, 12) * env,
               abd=m.var(25, 10) * env, twist=m.var(10, 8) * env)
        m.limb('elbow', side, flex=m.var(12, 6) * env)
    m.axial('neck', flex=-m.var(10, 5) * env)


def _cheer(m: _Track) -> None:
    env = m.hold(0.15, 0.15)
    up = 0.5 + 0.5 * m.osc(m.var(1.6, 0.3, 1.0, 2.5), min_cycles=2)
    for side in _SIDES:
        m.limb('shoulder', side, abd=m.var(35, 10) * env,
               flex=(m.deg(70, 10) + m.var(80, 10) * up) * env)
        m.limb('elbow', side, flex=(m.var(70, 10) - m.var(50, 8) * up) * env)
    m.axial('neck', flex=-m.var(8, 4) * env)


def _guard(m: _Track, env: np.ndarray) -> None:
    for side in _SIDES:
        m.limb('shoulder', side, flex=m.deg(35, 8) * env,
               abd=m.var(15, 6) * env, twist=-m.var(30, 8) * env)
        m.limb('elbow', side, flex=m.var(115, 10) * env)


def _punch(m: _Track, side: str) -> None:
    env = m.hold(0.12, 0.15)
    _guard(m, env)
    p = m.pulses(m.var(1.4, 0.3, 0.8, 2.5), m.var(0.18, 0.04, 0.1, 0.3))
    m.limb('shoulder', side, flex=m.deg(55, 8) * p, twist=m.var(20, 8) * p)
    m.limb('elbow', side, flex=-m.var(105, 8) * p)
    m.limb('clavicle', side, twist=-m.var(12, 4) * p)
    s = 1 if side == 'right' else -1
    m.axial('spine_mid', twist=s * m.var(15, 5) * p)


def _throw(m: _Track, side: str = 'right') -> None:
    k = m.keys([0.0, 0.3, 0.5, 0.58, 0.75, 1.0])
    s = 1 if side == 'right' else -1
    # wind-up (arm cocked back, trunk turned away), release, follow-through
    m.limb('shoulder', side,
           flex=k(m.kv(0, (20, 10), (10, 10), (100, 12), (60, 10), 0,
                       amp=True)),
           abd=k(m.kv(0, (85, 10), (95, 10), (40, 10), (20, 8), 0)),
           twist=k(m.kv(0, (70, 10), (90, 10), (-10, 10), (-20, 8), 0)))
    m.limb('elbow', side,
           flex=k(m.kv(0, (80, 10), (95, 10), (15, 6), (20, 6), 0)))
    m.limb('shoulder', _other(side),
           flex=k(m.kv(0, (40, 8), (50, 8), (10, 8), 0, 0)))
    m.axial('spine_mid',
            twist=s * k(m.kv(0, (-20, 5), (-25, 5), (20, 5), (15, 5), 0)))
    m.axial('lumbar',
            flex=k(m.kv(0, (-5, 3), (-8, 3), (15, 5), (10, 4), 0)))
    # step with the other foot
    m.limb('hip', _other(side),
           flex=k(m.kv(0, (15, 5), (20, 5), (5, 3), 0, 0)))
    m.knee(_other(side), k(m.kv(0, (20, 5), (25, 5), (10, 3), 0, 0)))


def _reach_up(m: _Track, side: str) -> None:
    env = m.hold(0.3, 0.3)
    m.limb('shoulder', side, flex=m.deg(160, 8) * env, abd=m.var(15, 6) * env)
    m.limb('elbow', side, flex=m.var(8, 5) * env)
    m.limb('clavicle', side, abd=m.var(10, 3) * env)
    s = 1 if side == 'right' else -1
    m.axial('spine_mid', lat=-s * m.var(6, 3) * env)
    m.axial('neck', flex=-m.var(15, 6) * env)
    tip = m.var(20, 6) * env
    for s in _SIDES:
        m.ankle(s, -tip)


def _salute(m: _Track, side: str = 'right') -> None:
    env = m.hold(0.12, 0.2)
    m.limb('shoulder', side, flex=m.deg(30, 8) * env, abd=m.deg(78, 8) * env,
           twist=m.var(25, 8) * env)
    m.limb('elbow', side, flex=m.var(132, 6) * env)
    m.limb('wrist', side, abd=-m.var(10, 5) * env)
    m.axial('spine_base', flex=-m.var(2, 1) * env)


def _point(m: _Track, side: str = 'right') -> None:
    env = m.hold(0.25, 0.25)
    m.limb('shoulder', side, flex=m.deg(85, 8) * env, abd=m.var(8, 8) * env)
    m.limb('elbow', side, flex=m.var(8, 5) * env)
    m.axial('neck', twist=(1 if side == 'left' else -1) * m.var(5, 4) * env)


def _hands_on_head(m: _Track) -> None:
    env = m.hold(0.25, 0.25)
    for side in _SIDES:
        m.limb('shoulder', side, flex=m.deg(70, 8) * env,
               abd=m.deg(70, 8) * env, twist=m.var(45, 10) * env)
        m.limb('elbow', side, flex=m.var(135, 6) * env)
    m.axial('neck', flex=m.var(8, 5) * env)


def _cross_arms(m: _Track) -> None:
    env = m.hold(0.25, 0.2)
    for i, side in enumerate(_SIDES):
        m.limb('shoulder', side, flex=m.deg(30, 6) * env,
               abd=m.var(14, 5) * env, twist=-m.var(62 + 6 * i, 8) * env)
        m.limb('elbow', side, flex=m.var(112, 8) * env)


def _wipe_face(m: _Track) -> None:
    env = m.hold(0.2, 0.2)
    f = m.var(1.5, 0.3, 0.8, 2.5)
    a, b = m.osc(f, 1.5, 0.0), m.osc(f, 1.5, np.pi / 2)
    for side in _SIDES:
        m.limb('shoulder', side, flex=(m.deg(55, 6) + 8 * a) * env,
               abd=(m.var(25, 6) + 6 * b) * env, twist=-m.var(25, 8) * env)
        m.limb('elbow', side, flex=m.var(135, 6) * env)
    m.axial('neck', flex=m.var(10, 5) * env)


def _check_watch(m: _Track, side: str = 'left') -> None:
    env = m.hold(0.25, 0.25)
    s = 1 if side == 'left' else -1
    m.limb('shoulder', side, flex=m.deg(40, 8) * env, abd=m.var(10, 5) * env,
           twist=-m.var(45, 8) * env)
    m.limb('elbow', side, flex=m.var(100, 8) * env)
    m.axial('neck', flex=m.var(25, 6) * env, twist=s * m.var(15, 6) * env)


def _arm_circles(m: _Track) -> None:
    env = m.hold(0.2, 0.2)
    f = m.var(1.2, 0.25, 0.7, 2.0)
    a, b = m.osc(f, 1.5, 0.0), m.osc(f, 1.5, np.pi / 2)
    r = m.var(22, 5)
    for side in _SIDES:
        m.limb('shoulder', side, flex=(m.var(5, 5) + r * a) * env,
               abd=(m.deg(85, 8) + r * b) * env)
        m.limb('elbow', side, flex=m.var(8, 5) * env)


def _shrug(m: _Track) -> None:
    env = m.hold(0.2, 0.2)
    p = m.pulses(m.var(0.9, 0.2, 0.5, 1.5), 0.35, 0.25, 0.75, max_n=2)
    for side in _SIDES:
        m.limb('clavicle', side, abd=m.var(16, 4) * p)
        m.limb('shoulder', side, abd=m.var(15, 6) * env,
               twist=m.var(40, 10) * env)
        m.limb('elbow', side, flex=m.var(75, 10) * env)
    m.axial('neck', lat=m.var(0, 6) * p)


def _look_around(m: _Track) -> None:
    k = m.keys([0.0, 0.25, 0.5, 0.75, 1.0])
    a = m.var(55, 10)
    m.axial('neck', twist=k([0, a, a * 0.1, -a, 0]))
    m.axial('head', twist=k([0, 0.25 * a, 0, -0.25 * a, 0]))
    m.axial('spine_shoulder', twist=k([0, 0.15 * a, 0, -0.15 * a, 0]))


def _nod(m: _Track) -> None:
    env = m.hold(0.15, 0.15)
    w = m.osc(m.var(1.8, 0.3, 1.0, 3.0), 1.5)
    m.axial('neck', flex=(m.var(10, 3) + m.var(14, 4) * w) * env)
    m.axial('head', flex=m.var(5, 2) * w * env)


def _shake_head(m: _Track) -> None:
    env = m.hold(0.15, 0.15)
    w = m.osc(m.var(2.2, 0.4, 1.2, 3.5), 1.5)
    m.axial('neck', twist=m.deg(30, 8) * w * env)
    m.axial('head', twist=m.var(8, 3) * w * env)


def _kick(m: _Track, side: str) -> None:
    k = m.keys([0.0, 0.3, 0.45, 0.6, 0.8, 1.0])
    # chamber, snap the shank out, re-chamber, put the foot down
    m.limb('hip', side,
           flex=k(m.kv(0, (60, 8), (80, 10), (55, 8), (10, 5), 0, amp=True)))
    m.knee(side, k(m.kv(0, (95, 10), (10, 6), (90, 10), (20, 6), 0)))
    m.ankle(side, k([0, 0, -m.var(25, 8), 0, 0, 0]))
    m.axial('lumbar', flex=k([0, 0, -m.var(12, 4), -m.var(5, 3), 0, 0]))
    arm = k([0, 1, 1, 1, 0.3, 0])
    m.limb('shoulder', _other(side), flex=m.var(25, 8) * arm,
           abd=m.var(20, 6) * arm)
    m.limb('shoulder', side, flex=-m.var(15, 6) * arm, abd=m.var(20, 6) * arm)


def _side_kick(m: _Track, side: str) -> None:
    k = m.keys([0.0, 0.3, 0.45, 0.6, 1.0])
    s = 1 if side == 'left' else -1
    m.limb('hip', side,
           abd=k(m.kv(0, (35, 6), (60, 8), (30, 6), 0, amp=True)),
           flex=k(m.kv(0, (40, 8), (10, 5), (35, 8), 0)))
    m.knee(side, k([0, m.var(90, 10), m.var(10, 5), m.var(85, 10), 0]))
    m.axial('lumbar', lat=-s * k(m.kv(0, (15, 4), (28, 6), (12, 4), 0)))
    for sd in _SIDES:
        m.limb('shoulder', sd, abd=k([0, 1, 1, 1, 0]) * m.var(25, 8),
               flex=k([0, 1, 1, 1, 0]) * m.var(25, 8))
        m.limb('elbow', sd, flex=k([0, 1, 1, 1, 0]) * m.var(80, 10))


def _squat_legs(m: _Track, prof: np.ndarray, depth: float = 1.0) -> None:
    hip, knee = m.deg(100, 10) * depth, m.deg(115, 10) * depth
    for side in _SIDES:
        m.limb('hip', side, flex=hip * prof, abd=m.var(10, 4) * prof)
        m.knee(side, knee * prof)
        m.ankle(side, m.var(30, 5) * depth * prof)
    m.axial('lumbar', flex=m.var(25, 8) * depth * prof)


def _squat(m: _Track) -> None:
    n = 1 if m.sample_rng.random() < 0.6 else 2
    if n == 1:
        prof = m.hold(0.3, 0.3)
    else:
        prof = m.pulses(1.0, 0.4 * m.window_s / 2, 0.25, 0.75, max_n=2)
    _squat_legs(m, prof)
    for side in _SIDES:
        m.limb('shoulder', side, flex=m.deg(85, 12) * prof)
        m.limb('elbow', side, flex=m.var(10, 8) * prof)


def _sit_pose(m: _Track, seated: np.ndarray, lean: np.ndarray) -> None:
    hip, knee = m.var(88, 6), m.var(88, 8)
    for side in _SIDES:
        m.limb('hip', side, flex=hip * seated, abd=m.var(6, 4) * seated)
        m.knee(side, knee * seated)
        m.limb('shoulder', side, flex=m.var(30, 8) * seated)
        m.limb('elbow', side, flex=m.var(45, 10) * seated)
    m.axial('lumbar', flex=m.var(35, 8) * lean - m.var(5, 4) * seated)
    m.axial('neck', flex=m.var(10, 5) * lean)


def _sit_down(m: _Track) -> None:
    a, b = m.var(0.1, 0.05, 0.0, 0.3), m.var(0.85, 0.05, 0.6, 1.0)
    seated = m.ramp(a, b)
    lean = m.bump(0.5 * (a + b), 0.5 * (b - a))
    _sit_pose(m, seated, lean)


def _stand_up(m: _Track) -> None:
    a, b = m.var(0.15, 0.05, 0.0, 0.4), m.var(0.9, 0.05, 0.6, 1.0)
    seated = 1.0 - m.ramp(a, b)
    lean = m.bump(0.5 * (a + b) - 0.1 * (b - a), 0.5 * (b - a))
    _sit_pose(m, seated, lean)


def _jump(m: _Track) -> None:
    k = m.keys([0.0, 0.3, 0.42, 0.62, 0.72, 1.0], jitter=0.015)
    crouch = k([0, 1, 0, 0, 0.8, 0])
    ext = k([0, 0, 1, 1, 0, 0])
    for side in _SIDES:
        m.limb('hip', side, flex=m.deg(45, 8) * crouch)
        m.knee(side, m.deg(70, 10) * crouch + m.var(8, 4) * ext)
        m.ankle(side, m.var(20, 5) * crouch - m.var(30, 8) * ext)
        m.limb('shoulder', side,
               flex=-m.var(35, 8) * crouch + m.deg(140, 15) * ext)
        m.limb('elbow', side, flex=m.var(15, 6) * (crouch + ext))
    m.axial('lumbar', flex=m.var(25, 6) * crouch)
    # ballistic flight between the take-off and landing keys
    x = np.clip((m.u - 0.42) / 0.2, 0.0, 1.0)
    m.lift += m.var(0.22, 0.06, 0.08, 0.4) * 4.0 * x * (1.0 - x)


def _bow(m: _Track) -> None:
    env = m.hold(0.3, 0.35)
    m.hinge(m.deg(25, 8) * env)
    m.axial('lumbar', flex=m.deg(25, 8) * env)
    m.axial('spine_mid', flex=m.var(10, 5) * env)
    m.axial('neck', flex=m.var(15, 6) * env)
    for side in _SIDES:
        m.limb('shoulder', side, flex=-m.var(5, 6) * env,
               abd=-m.var(5, 3) * env)
        m.knee(side, m.var(5, 3) * env)


def _pick_up(m: _Track, side: str = 'right') -> None:
    k = m.keys([0.0, 0.4, 0.55, 1.0])
    down = k([0, 1, 1, 0])
    m.hinge(m.deg(55, 8) * down)
    m.axial('lumbar', flex=m.deg(35, 8) * down)
    m.axial('neck', flex=-m.var(10, 5) * down)
    for s in _SIDES:
        m.limb('hip', s, flex=m.var(40, 8) * down)
        m.knee(s, m.var(85, 10) * down)
        m.ankle(s, m.var(25, 4) * down)
    m.limb('shoulder', side, flex=m.deg(12, 6) * down, abd=m.var(5, 5) * down)
    m.limb('elbow', side, flex=m.var(10, 5) * down)
    m.limb('shoulder', _other(side), flex=m.var(15, 8) * down)
    m.limb('elbow', _other(side), flex=m.var(60, 10) * down)


def _touch_toes(m: _Track) -> None:
    env = m.hold(0.35, 0.35)
    m.hinge(m.deg(65, 8) * env)
    m.axial('lumbar', flex=m.deg(30, 8) * env)
    m.axial('spine_mid', flex=m.var(10, 5) * env)
    m.axial('neck', flex=m.var(10, 5) * env)
    for s in _SIDES:
        m.limb('shoulder', s, flex=m.deg(15, 8) * env)
        m.limb('elbow', s, flex=m.var(5, 4) * env)


def _walk_legs(m: _Track, env: np.ndarray, freq: Optional[float] = None,
               arms: bool = True) -> None:
    if freq is None:
        freq = m.var(0.9, 0.15, 0.5, 1.5)
    w = m.osc(freq, 1.0)
    lift_l, lift_r = np.maximum(w, 0.0), np.maximum(-w, 0.0)
    hip, knee = m.deg(40, 8), m.deg(65, 10)
    for side, lift in (('left', lift_l), ('right', lift_r)):
        m.limb('hip', side, flex=hip * lift * env)
        m.knee(side, knee * lift * env)
        m.ankle(side, -m.var(10, 5) * lift * env)
    if arms:
        swing = m.var(22, 6)
        m.limb('shoulder', 'left', flex=-swing * w * env)
        m.limb('shoulder', 'right', flex=swing * w * env)
        for side in _SIDES:
            m.limb('elbow', side, flex=m.var(25, 8) * env)
    m.axial('spine_base', lat=m.var(3, 1) * w * env)


def _walk_in_place(m: _Track) -> None:
    _walk_legs(m, m.hold(0.1, 0.1))


def _jumping_jacks(m: _Track) -> None:
    env = m.hold(0.1, 0.1)
    c = m.cycles(m.var(1.0, 0.2, 0.6, 1.6), 1.5)
    phase = 2 * np.pi * c * m.u
    openv = 0.5 - 0.5 * np.cos(phase)
    for side in _SIDES:
        m.limb('shoulder', side, abd=m.deg(150, 12) * openv * env)
        m.limb('elbow', side, flex=m.var(15, 6) * env)
        m.limb('hip', side, abd=m.var(16, 4) * openv * env)
        m.knee(side, m.var(15, 5) * np.abs(np.sin(phase)) * env)
    m.lift += m.var(0.06, 0.02, 0.02, 0.12) * np.abs(np.sin(phase)) * env


def _fall(m: _Track) -> None:
    a = m.var(0.25, 0.08, 0.0, 0.45)
    down = m.ramp(a, a + m.var(0.22, 0.06, 0.12, 0.35))
    brace = m.bump(a + 0.25, 0.2)
    hip = m.var(15, 8)
    for side in _SIDES:
        m.limb('hip', side, flex=hip * down)
        m.knee(side, (hip + m.var(92, 4)) * down)
        m.ankle(side, -m.var(45, 8) * down)
        m.limb('shoulder', side, flex=m.deg(50, 12) * down + 20 * brace)
        m.limb('elbow', side, flex=m.var(30, 10) * down)
    m.axial('lumbar', flex=m.var(25, 10) * down + m.var(15, 5) * brace)
    m.axial('neck', flex=m.var(15, 8) * down)


def _hop(m: _Track, side: str = 'right') -> None:
    env = m.hold(0.15, 0.15)
    m.limb('hip', side, flex=m.var(15, 6) * env)
    m.knee(side, m.var(85, 10) * env)
    for s in _SIDES:
        m.limb('shoulder', s, abd=m.var(35, 10) * env)
    c = m.cycles(m.var(1.6, 0.3, 1.0, 2.5), 2)
    h = np.abs(np.sin(np.pi * c * m.u))
    stance = _other(side)
    m.knee(stance, m.var(25, 6) * (1 - h) * env)
    m.limb('hip', stance, flex=m.var(15, 5) * (1 - h) * env)
    m.lift += m.var(0.08, 0.02, 0.03, 0.15) * h * env


# ----------------------------------------- lower-body only (for combos)
def _half_squat(m: _Track) -> None:
    _squat_legs(m, m.hold(0.2, 0.2), depth=0.55)


def _one_leg_stand(m: _Track) -> None:
    env = m.hold(0.2, 0.2)
    m.limb('hip', 'right', flex=m.var(45, 10) * env)
    m.knee('right', m.var(80, 10) * env)
    m.axial('spine_base', lat=m.var(4, 2) * env)


def _bounce(m: _Track) -> None:
    env = m.hold(0.15, 0.15)
    h = 0.5 + 0.5 * m.osc(m.var(1.8, 0.3, 1.0, 2.5), 2)
    for s in _SIDES:
        m.ankle(s, -m.var(22, 5) * h * env)
        m.knee(s, m.var(10, 4) * (1 - h) * env)


def _lunge(m: _Track) -> None:
    env = m.hold(0.3, 0.3)
    m.limb('hip', 'left', flex=m.var(70, 8) * env)
    m.knee('left', m.var(80, 8) * env)
    m.limb('hip', 'right', flex=-m.var(25, 6) * env)
    m.knee('right', m.var(60, 8) * env)
    m.ankle('right', -m.var(20, 5) * env)


# --------------------------------------------------------------------------
# Two-person classes: (actor, receiver); contact sets the distance
# --------------------------------------------------------------------------
def _handshake(a: _Track, b: _Track) -> None:
    for m, shift in ((a, 0.0), (b, 0.04)):
        k = m.keys([0.0, 0.25 + shift, 0.75 + shift, 1.0])
        env = k([0, 1, 1, 0])
        shake = m.osc(a.var(2.5, 0.4, 1.5, 3.5), 2.0, phase=0.0) * \
            m.ramp(0.3, 0.4) * (1 - m.ramp(0.65, 0.75))
        m.limb('shoulder', 'right', flex=(m.deg(40, 8) + 7 * shake) * env,
               abd=-m.var(5, 4) * env)
        m.limb('elbow', 'right', flex=(m.var(45, 8) - 5 * shake) * env)
        m.axial('lumbar', flex=m.var(5, 3) * env)


def _push(a: _Track, b: _Track) -> None:
    k = a.keys([0.0, 0.3, 0.45, 0.6, 1.0])
    for side in _SIDES:
        a.limb('shoulder', side,
               flex=k(a.kv(0, (30, 8), (65, 8), (45, 8), 0, amp=True)),
               abd=k([0, 15, 10, 10, 0]), twist=k([0, -20, -10, -10, 0]))
        a.limb('elbow', side,
               flex=k(a.kv(0, (95, 10), (15, 6), (50, 8), 0)))
    a.axial('lumbar', flex=k([0, 5, a.var(15, 5), 5, 0]))
    a.move(forward=a.var(0.12, 0.04, 0.0, 0.25) * a.ramp(0.2, 0.45))
    hit = b.ramp(0.45, 0.65)
    jolt = b.bump(0.55, 0.15)
    b.move(forward=-b.var(0.35, 0.08, 0.15, 0.6) * hit)
    b.axial('lumbar', flex=-b.var(15, 5) * jolt)
    b.axial('neck', flex=b.var(15, 5) * jolt)
    for side in _SIDES:
        b.limb('shoulder', side, flex=b.var(30, 10) * jolt,
               abd=b.var(30, 10) * jolt)
        b.limb('elbow', side, flex=b.var(40, 10) * jolt)
    b.limb('hip', 'left', flex=-b.var(20, 6) * jolt)
    b.knee('left', b.var(30, 8) * jolt)


def _hug(a: _Track, b: _Track) -> None:
    for m, flex in ((a, 75.0), (b, 55.0)):
        k = m.keys([0.0, 0.3, 0.75, 1.0])
        env = k([0, 1, 1, 0])
        m.move(forward=m.var(0.15, 0.05, 0.0, 0.3) * k([0, 1, 1, 0]))
        for side in _SIDES:
            m.limb('shoulder', side, flex=m.deg(flex, 8) * env,
                   abd=m.var(20, 6) * env, twist=-m.var(55, 8) * env)
            m.limb('elbow', side, flex=m.var(55, 10) * env)
        m.axial('lumbar', flex=m.var(10, 4) * env)
        m.axial('neck', twist=m.var(20, 8) * env)


def _pat_shoulder(a: _Track, b: _Track) -> None:
    env = a.hold(0.25, 0.25)
    pat = a.osc(a.var(2.8, 0.5, 1.5, 4.0), 2) * a.ramp(0.25, 0.3) * \
        (1 - a.ramp(0.7, 0.75))
    a.limb('shoulder', 'right', flex=(a.deg(85, 8) + 6 * pat) * env,
           abd=-a.var(8, 5) * env)
    a.limb('elbow', 'right', flex=(a.var(25, 8) + a.var(15, 4) * pat) * env)
    a.axial('lumbar', flex=a.var(6, 3) * env)
    b.axial('neck', twist=b.var(15, 8) * env, flex=b.var(8, 4) * env)


def _point_at(a: _Track, b: _Track) -> None:
    _point(a, 'right')
    env = b.hold(0.35, 0.3)
    b.axial('neck', flex=-b.var(5, 4) * env)
    b.limb('shoulder', 'right', flex=b.var(20, 10) * env)


def _punch_other(a: _Track, b: _Track) -> None:
    env = a.hold(0.15, 0.2)
    _guard(a, env)
    p = a.bump(0.5, 0.12)
    a.limb('shoulder', 'right', flex=a.deg(55, 8) * p, twist=a.var(20, 8) * p)
    a.limb('elbow', 'right', flex=-a.var(105, 8) * p)
    a.axial('spine_mid', twist=a.var(18, 5) * p)
    a.move(forward=a.var(0.1, 0.04, 0.0, 0.2) * a.ramp(0.35, 0.5))
    j = b.bump(0.58, 0.18)
    b.axial('lumbar', flex=-b.var(15, 5) * j)
    b.axial('neck', flex=-b.var(12, 5) * j, twist=b.var(15, 8) * j)
    b.move(forward=-b.var(0.15, 0.05, 0.0, 0.3) * b.ramp(0.5, 0.7))
    for side in _SIDES:
        b.limb('shoulder', side, flex=b.var(40, 10) * j)
        b.limb('elbow', side, flex=b.var(100, 10) * j)


def _kick_other(a: _Track, b: _Track) -> None:
    _kick(a, 'right')
    j = b.bump(0.55, 0.18)
    b.axial('lumbar', flex=b.var(25, 8) * j)
    b.move(forward=-b.var(0.12, 0.05, 0.0, 0.3) * b.ramp(0.45, 0.65))
    for side in _SIDES:
        b.limb('shoulder', side, flex=b.var(30, 10) * j)
        b.limb('elbow', side, flex=b.var(60, 10) * j)


def _give_object(a: _Track, b: _Track) -> None:
    ka = a.keys([0.0, 0.3, 0.55, 0.75])
    kb = b.keys([0.0, 0.4, 0.55, 0.85])
    for m, k in ((a, ka), (b, kb)):
        env = k([0, 1, 1, 0])
        m.limb('shoulder', 'right', flex=m.deg(45, 8) * env,
               abd=-m.var(5, 4) * env)
        m.limb('elbow', 'right', flex=m.var(35, 8) * env)
        m.limb('wrist', 'right', flex=-m.var(20, 8) * env)
        m.axial('neck', flex=m.var(15, 5) * env)


def _high_five(a: _Track, b: _Track) -> None:
    for m in (a, b):
        k = m.keys([0.0, 0.4, 0.5, 0.6, 1.0])
        env = k([0, 0.9, 1, 0.9, 0])
        m.limb('shoulder', 'right', flex=m.deg(140, 10) * env,
               abd=m.var(10, 5) * env)
        m.limb('elbow', 'right', flex=m.var(40, 10) * env)
        m.limb('wrist', 'right', flex=-m.var(30, 10) * env)
        m.move(forward=m.var(0.08, 0.03, 0.0, 0.2) * env)


def _walk_towards(a: _Track, b: _Track) -> None:
    for m in (a, b):
        env = m.hold(0.05, 0.05)
        _walk_legs(m, env)
        m.move(forward=m.var(0.45, 0.1, 0.2, 0.7) * m.ramp(0.05, 0.95))


def _walk_apart(a: _Track, b: _Track) -> None:
    for m in (a, b):
        turn = m.ramp(0.0, m.var(0.25, 0.05, 0.15, 0.4))
        direction = 1.0 if m.sample_rng.random() < 0.5 else -1.0
        m.root_yaw += direction * np.deg2rad(m.var(170, 10)) * turn
        env = m.hold(0.05, 0.05)
        _walk_legs(m, env)
        # after the turn, forward in the new facing direction is backwards
        # in the original frame
        m.move(forward=-m.var(0.45, 0.1, 0.2, 0.7) * m.ramp(0.3, 0.95))


# --------------------------------------------------------------------------
# The class table
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class _ClassSpec:
    """One action class.

    Args:
        name (str): Class name.
        persons (int): 1 or 2.
        motion (Callable): ``motion(*tracks)`` writes the rotations.
        contact (tuple, optional): ``(joint_a, joint_b, progress, gap)`` for
            two-person classes: the receiver is placed so that its
            ``joint_b`` is ``gap`` metres from the actor's ``joint_a`` at
            that progress.
        distance (tuple): Range of the pair's distance without contact.
    """

    name: str
    persons: int
    motion: Callable
    contact: Optional[Tuple[str, str, float, float]] = None
    distance: Tuple[float, float] = (1.2, 1.6)
    uid: int = field(default=0, compare=False)


def _side(fn: Callable, side: str) -> Callable:

    def motion(m: _Track) -> None:
        fn(m, side)

    return motion


def _both(*fns: Callable) -> Callable:

    def motion(m: _Track) -> None:
        for fn in fns:
            fn(m)

    return motion


_BASE_CLASSES: List[_ClassSpec] = [
    _ClassSpec('wave right hand', 1, _side(_wave, 'right')),
    _ClassSpec('clap', 1, _clap),
    _ClassSpec('drink water', 1, _drink),
    _ClassSpec('sit down', 1, _sit_down),
    _ClassSpec('kick forward (right leg)', 1, _side(_kick, 'right')),
    _ClassSpec('handshake', 2, _handshake,
               ('right_hand', 'right_hand', 0.5, 0.05)),
    _ClassSpec('raise both arms', 1, _raise_both_arms),
    _ClassSpec('squat', 1, _squat),
    _ClassSpec('bow', 1, _bow),
    _ClassSpec('push other person', 2, _push,
               ('left_hand', 'spine_shoulder', 0.45, 0.12)),
    _ClassSpec('punch forward (right)', 1, _side(_punch, 'right')),
    _ClassSpec('stand up', 1, _stand_up),
    _ClassSpec('jump up', 1, _jump),
    _ClassSpec('hug', 2, _hug, ('spine_shoulder', 'spine_shoulder', 0.55,
                                0.3)),
    _ClassSpec('wave left hand', 1, _side(_wave, 'left')),
    _ClassSpec('rub hands together', 1, _rub_hands),
    _ClassSpec('walk in place', 1, _walk_in_place),
    _ClassSpec('pat on shoulder', 2, _pat_shoulder,
               ('right_hand', 'left_shoulder', 0.5, 0.06)),
    _ClassSpec('throw (overarm)', 1, _throw),
    _ClassSpec('phone call', 1, _phone_call),
    _ClassSpec('look around', 1, _look_around),
    _ClassSpec('kick forward (left leg)', 1, _side(_kick, 'left')),
    _ClassSpec('point at other person', 2, _point_at, distance=(1.3, 2.0)),
    _ClassSpec('reach up (right hand)', 1, _side(_reach_up, 'right')),
    _ClassSpec('pick up from floor', 1, _pick_up),
    _ClassSpec('cheer up', 1, _cheer),
    _ClassSpec('salute', 1, _salute),
    _ClassSpec('punch other person', 2, _punch_other,
               ('right_hand', 'head', 0.5, 0.12)),
    _ClassSpec('nod head', 1, _nod),
    _ClassSpec('shake head', 1, _shake_head),
    _ClassSpec('shrug', 1, _shrug),
    _ClassSpec('side kick (right leg)', 1, _side(_side_kick, 'right')),
    _ClassSpec('give object', 2, _give_object,
               ('right_hand', 'right_hand', 0.55, 0.08)),
    _ClassSpec('touch toes', 1, _touch_toes),
    _ClassSpec('jumping jacks', 1, _jumping_jacks),
    _ClassSpec('check time (watch)', 1, _check_watch),
    _ClassSpec('kick other person', 2, _kick_other,
               ('right_foot', 'spine_base', 0.45, 0.12)),
    _ClassSpec('fall down (to knees)', 1, _fall),
    _ClassSpec('arm circles', 1, _arm_circles),
    _ClassSpec('hands on head', 1, _hands_on_head),
    _ClassSpec('walk towards each other', 2, _walk_towards,
               distance=(2.3, 2.8)),
    _ClassSpec('cross arms', 1, _cross_arms),
    _ClassSpec('wipe face', 1, _wipe_face),
    _ClassSpec('high five', 2, _high_five,
               ('right_hand', 'right_hand', 0.5, 0.04)),
    _ClassSpec('point forward', 1, _point),
    _ClassSpec('punch forward (left)', 1, _side(_punch, 'left')),
    _ClassSpec('walk apart', 2, _walk_apart, distance=(0.9, 1.3)),
    _ClassSpec('reach up (left hand)', 1, _side(_reach_up, 'left')),
    _ClassSpec('hop on one leg', 1, _hop),
]

# Upper-body and lower-body primitives composed into further classes
# ("<upper> while <lower>") when more classes are asked for.
_COMBO_UPPER: List[Tuple[str, Callable]] = [
    ('wave right hand', _side(_wave, 'right')),
    ('clap', _clap),
    ('raise both arms', _raise_both_arms),
    ('phone call', _phone_call),
    ('point forward', _point),
    ('wave left hand', _side(_wave, 'left')),
    ('drink water', _drink),
    ('arm circles', _arm_circles),
    ('cross arms', _cross_arms),
    ('check time', _check_watch),
    ('salute', _salute),
    ('shrug', _shrug),
    ('hands on head', _hands_on_head),
    ('rub hands', _rub_hands),
    ('shake head', _shake_head),
]
_COMBO_LOWER: List[Tuple[str, Callable]] = [
    ('walking in place', lambda m: _walk_legs(m, m.hold(0.1, 0.1),
                                              arms=False)),
    ('half squatting', _half_squat),
    ('standing on one leg', _one_leg_stand),
    ('bouncing on toes', _bounce),
    ('in a lunge', _lunge),
]


def _class_table() -> List[_ClassSpec]:
    table = list(_BASE_CLASSES)
    for lower_name, lower in _COMBO_LOWER:
        for upper_name, upper in _COMBO_UPPER:
            table.append(
                _ClassSpec(f'{upper_name} while {lower_name}', 1,
                           _both(upper, lower)))
    return [
        _ClassSpec(s.name, s.persons, s.motion, s.contact, s.distance, i)
        for i, s in enumerate(table)
    ]


_CLASS_TABLE = _class_table()


def max_synthetic_classes() -> int:
    """Number of distinct classes the generator can produce."""
    return len(_CLASS_TABLE)


def synthetic_class_names(num_classes: int = 20) -> List[str]:
    """Names of the first ``num_classes`` synthetic classes, in label order.

    Args:
        num_classes (int): Number of classes, 2 to
            :func:`max_synthetic_classes`.

    Returns:
        list[str]: Class names; index = label.
    """
    _check_num_classes(num_classes)
    return [s.name for s in _CLASS_TABLE[:num_classes]]


def _check_num_classes(num_classes: int) -> None:
    if not isinstance(num_classes, (int, np.integer)) or isinstance(
            num_classes, bool):
        raise TypeError(f'num_classes must be an int, got {num_classes!r}')
    if not 2 <= num_classes <= len(_CLASS_TABLE):
        raise ValueError(f'num_classes must be in [2, {len(_CLASS_TABLE)}] '
                         f'(the synthetic class table), got {num_classes}')


# --------------------------------------------------------------------------
# Rendering one sample
# --------------------------------------------------------------------------
# Horizontal camera angles of C001..C003 (degrees, NTU style).
_CAMERA_YAW = (0.0, 45.0, -45.0)


@dataclass
class _Setup:
    cam_height: float
    distance: float
    tilt: float  # radians, positive = camera pitched down
    focal: float  # pixels


def _make_setup(seed: int, setup: int) -> _Setup:
    rng = np.random.default_rng([seed, 13, setup])
    return _Setup(
        cam_height=float(rng.uniform(0.7, 1.4)),
        distance=float(rng.uniform(2.5, 3.4)),
        tilt=float(np.deg2rad(rng.uniform(-3, 10))),
        focal=float(rng.uniform(1000, 1100)))


def _pose_person(subject: _Subject, track: _Track,
                 rng: np.random.Generator) -> np.ndarray:
    """Idle motion + forward kinematics + ground contact of one person.

    Returns:
        np.ndarray: ``(T, J, 3)`` body-frame positions, floor at ``y = 0``.
    """
    T = track.T
    t = np.arange(T) / track.fps
    ang = track.ang + subject.posture[None]

    # Idle: sway, breathing and small movements of every joint, stronger on
    # the limbs the action does not use.
    level = subject.sway * rng.uniform(0.6, 1.4)
    idle_deg = np.array([_IDLE_DEG.get(k, 0.0) for k in _BODY.kind])
    free = np.ones(_BODY.num_joints)
    for side in _SIDES:
        if f'{side}_arm' not in track.uses:
            for k in ('shoulder', 'elbow', 'wrist'):
                free[_j(f'{side}_{k}')] = 1.8
    noise = _smooth_noise(rng, t, (_BODY.num_joints, 3), max_hz=0.9)
    ang = ang + np.deg2rad(level * idle_deg * free)[None, :, None] * noise
    ang[:, _j('spine_mid'), 0] += np.deg2rad(1.0) * np.sin(
        2 * np.pi * rng.uniform(0.2, 0.35) * t + rng.uniform(0, 6.3))

    # Fidget: an arm the action does not use makes a random partial gesture.
    free_arms = [s for s in _SIDES if f'{s}_arm' not in track.uses]
    if free_arms and rng.random() < 0.45:
        side = free_arms[rng.integers(len(free_arms))]
        sgn = 1.0 if side == 'left' else -1.0
        a = rng.uniform(0, 0.7)
        b = min(1.0, a + rng.uniform(0.2, 0.6))
        s = np.clip((np.arange(T) / max(T - 1, 1) - a) / (b - a), 0, 1)
        env = np.sin(np.pi * s)**2 * rng.uniform(0.3, 1.0)
        pose = np.deg2rad([
            rng.uniform(-10, 60), rng.uniform(-40, 40), rng.uniform(0, 40),
            rng.uniform(10, 120)
        ])
        ang[:, _j(f'{side}_shoulder'), 0] -= pose[0] * env
        ang[:, _j(f'{side}_shoulder'), 1] += sgn * pose[1] * env
        ang[:, _j(f'{side}_shoulder'), 2] += sgn * pose[2] * env
        ang[:, _j(f'{side}_elbow'), 0] -= pose[3] * env

    # Arms hang with gravity: a forward-bending trunk does not swing them
    # backwards (motion angles of the shoulders are relative to vertical).
    trunk = ang[:, [_j(n) for n in ('spine_base', 'lumbar', 'spine_mid',
                                    'spine_shoulder')], 0].sum(1)
    for side in _SIDES:
        ang[:, _j(f'{side}_shoulder'), 0] -= trunk

    pos = _forward_kinematics(subject.offsets, _local_rotations(ang))

    # Ground contact: the lowest contact joint carries the weight; planted
    # feet stay where they were at the first frame.
    contact, clear = [], []
    for kind, c in _CONTACT_CLEARANCE.items():
        for side in _SIDES:
            contact.append(_j(f'{side}_{kind}'))
            clear.append(c)
    h = pos[:, contact, 1] - np.array(clear)[None]
    tau = 0.015
    hmin = h.min(1, keepdims=True)
    soft = hmin[:, 0] - tau * np.log(np.exp(-(h - hmin) / tau).sum(1))
    pos[..., 1] -= soft[:, None]
    feet = [_j(f'{s}_{k}') for s in _SIDES for k in ('foot', 'ankle')]
    hf = pos[:, feet, 1]
    w = np.exp(-(hf - hf.min(1, keepdims=True)) / 0.02)
    w /= w.sum(1, keepdims=True)
    drift = (w[..., None] * (pos[:, feet][..., [0, 2]] -
                             pos[:1, feet][..., [0, 2]])).sum(1)
    pos[..., 0] -= drift[:, 0:1]
    pos[..., 2] -= drift[:, 1:2]

    # Turning about the pelvis, translations and flight.
    if np.any(track.root_yaw):
        pelvis = pos[:, :1, :].copy()
        pelvis[..., 1] = 0.0
        R = _rot_y(track.root_yaw)
        pos = np.einsum('tij,tvj->tvi', R, pos - pelvis) + pelvis
        off = np.einsum('tij,tj->ti', R, track.root_off)
    else:
        off = track.root_off
    pos += off[:, None, :]
    pos[..., 1] += track.lift[:, None]
    return pos


def _body_to_group(pos: np.ndarray, yaw: float,
                   where: np.ndarray) -> np.ndarray:
    return pos @ _rot_y(yaw).T + where


def _sensor_noise_3d(pos: np.ndarray, rng: np.random.Generator,
                     side_view: float, fps: float) -> np.ndarray:
    """Kinect-like jitter and tracking glitches on camera-space joints."""
    T, J, _ = pos.shape
    sigma = rng.uniform(0.003, 0.009)
    mult = np.array([_JITTER_MULT.get(k, 1.0) for k in _BODY.kind])
    t = np.arange(T, dtype=np.float64) / fps
    noise = rng.normal(size=(T, J, 3)) * 0.8 + 0.6 * _smooth_noise(
        rng, t, (J, 3), max_hz=2.0, min_hz=0.5)
    noise[..., 2] *= 1.6  # depth is the noisiest axis
    out = pos + sigma * mult[None, :, None] * noise
    # Occasional tracking glitches.
    extremities = [
        _j(f'{s}_{k}') for s in _SIDES
        for k in ('wrist', 'hand', 'hand_tip', 'thumb', 'ankle', 'foot',
                  'elbow', 'knee')
    ]
    for _ in range(rng.poisson(0.5 + side_view)):
        v = extremities[rng.integers(len(extremities))]
        start = int(rng.integers(T))
        stop = min(T, start + int(rng.integers(1, 7)))
        if rng.random() < 0.5:
            out[start:stop, v] += rng.normal(0, 0.12, size=3)
        else:  # snaps onto a nearby joint
            u = extremities[rng.integers(len(extremities))]
            out[start:stop, v] = out[start:stop, u] + rng.normal(
                0, 0.02, size=3)
    if rng.random() < 0.15 * side_view:  # left/right legs swapped
        start = int(rng.integers(T))
        stop = min(T, start + int(rng.integers(2, 10)))
        legs_l = [_j(f'left_{k}') for k in ('knee', 'ankle', 'foot')]
        legs_r = [_j(f'right_{k}') for k in ('knee', 'ankle', 'foot')]
        seg = out[start:stop].copy()
        out[start:stop, legs_l] = seg[:, legs_r]
        out[start:stop, legs_r] = seg[:, legs_l]
    return out


def _project_2d(cam: np.ndarray, focal: float, rng: np.random.Generator,
                side_view: float, facing: np.ndarray
                ) -> Tuple[np.ndarray, np.ndarray]:
    """Pinhole projection with detector noise and confidences.

    Args:
        cam (np.ndarray): ``(T, J, 3)`` camera-space positions.
        focal (float): Focal length in pixels.
        rng (np.random.Generator): Sample noise generator.
        side_view (float): 0 (frontal) .. 1 (profile).
        facing (np.ndarray): ``(T,)`` cos of the angle between the person's
            facing and the camera direction (1 = facing the camera).

    Returns:
        tuple: ``(T, J, 2)`` pixel coordinates and ``(T, J)`` scores.
    """
    T, J, _ = cam.shape
    z = np.maximum(cam[..., 2], 0.5)
    u = _IMG_W / 2 - focal * cam[..., 0] / z
    v = _IMG_H / 2 - focal * cam[..., 1] / z
    xy = np.stack([u, v], -1)
    sigma = rng.uniform(1.0, 3.0)
    mult = np.array([_JITTER_MULT.get(k, 1.0) for k in _BODY.kind])
    xy += sigma * np.sqrt(mult)[None, :, None] * rng.normal(size=(T, J, 2))
    base = rng.uniform(0.8, 0.97)
    # Joints farther than the body centre are (partly) occluded.
    centre = cam[:, _j('spine_mid'), 2][:, None]
    occl = np.clip((cam[..., 2] - centre) / 0.15, 0.0, 1.0)
    score = base - 0.3 * occl * side_view - np.abs(
        rng.normal(0, 0.05, size=(T, J)))
    # Back views: face points vanish.
    face = [_j(n) for n in ('nose', 'left_eye', 'right_eye')]
    score[:, face] -= 0.5 * np.clip(-facing, 0, 1)[:, None]
    for _ in range(rng.poisson(0.6 + side_view)):  # detector mistakes
        v_ = int(rng.integers(J))
        start = int(rng.integers(T))
        stop = min(T, start + int(rng.integers(1, 5)))
        xy[start:stop, v_] += rng.normal(0, 40, size=2)
        score[start:stop, v_] = rng.uniform(0.05, 0.45)
    return xy, np.clip(score, 0.0, 1.0)


@dataclass
class _SampleInfo:
    label: int
    setup: int
    camera: int
    subject: int
    replication: int

    @property
    def frame_dir(self) -> str:
        return (f'S{self.setup:03d}C{self.camera:03d}P{self.subject:03d}'
                f'R{self.replication:03d}A{self.label + 1:03d}')


def _render(spec: _ClassSpec, info: _SampleInfo, split_id: int, index: int,
            subjects: Dict[int, _Subject], setups: Dict[int, _Setup],
            layout: str, T: int, fps: float, seed: int) -> dict:
    """Generate one annotation dict."""
    rng = np.random.default_rng([seed, 17, split_id, spec.uid, index])
    setup = setups[info.setup]
    subj = subjects[info.subject]

    # Action window, time warp and sample-level speed / amplitude.
    start = rng.uniform(0.0, 0.2) * T
    length = min(T - start, rng.uniform(0.6, 0.95) * T)
    lin = np.clip((np.arange(T) - start) / max(length, 1.0), 0.0, 1.0)
    alpha = rng.uniform(-0.4, 0.4)
    u = lin + alpha * lin * (1.0 - lin)
    window_s = length / fps

    # The second person of a pair is another subject from the same split.
    pids = [info.subject]
    if spec.persons == 2:
        pool = [p for p in subjects if p != info.subject]
        pids.append(pool[rng.integers(len(pool))])
    tracks = []
    for role, pid in enumerate(pids):
        s = subjects[pid]
        style = np.random.default_rng([seed, 19, pid, spec.uid, role])
        tracks.append(
            _Track(u, fps, window_s, s, style,
                   np.random.default_rng([seed, 23, split_id, spec.uid,
                                          index, role]),
                   amp=s.amp * float(np.exp(rng.normal(0, 0.12))),
                   tempo=s.tempo * float(np.exp(rng.normal(0, 0.1)))))
    spec.motion(*tracks)
    bodies = [
        _pose_person(subjects[pid], tr, np.random.default_rng(
            [seed, 29, split_id, spec.uid, index, role]))
        for role, (pid, tr) in enumerate(zip(pids, tracks))
    ]

    # Placement in a group frame, then in front of the camera.
    facing_off = np.deg2rad((1 if info.replication == 1 else -1) *
                            rng.uniform(0, 30) + rng.normal(0, 8))
    view = np.deg2rad(_CAMERA_YAW[info.camera - 1]) + facing_off
    if spec.persons == 1:
        group = [_body_to_group(bodies[0], 0.0, np.zeros(3))]
        yaws = [0.0]
    else:
        yaws = [np.pi / 2, -np.pi / 2]  # facing each other along x
        if spec.contact is not None:
            ja, jb, cu, gap = spec.contact
            f = int(np.argmin(np.abs(u - cu)))
            pa = bodies[0][f, _j(ja)] @ _rot_y(yaws[0]).T
            pb = bodies[1][f, _j(jb)] @ _rot_y(yaws[1]).T
            where_b = pa - pb
            where_b[1] = 0.0
            where_b[0] += gap + rng.normal(0, 0.02)
            where_b[2] += rng.normal(0, 0.03)
            where_b[0] = max(where_b[0], 0.35)
        else:
            where_b = np.array([rng.uniform(*spec.distance), 0.0,
                                rng.normal(0, 0.05)])
        group = [
            _body_to_group(bodies[0], yaws[0], np.zeros(3)),
            _body_to_group(bodies[1], yaws[1], where_b)
        ]
        mid = 0.5 * where_b
        mid[1] = 0.0
        group = [g - mid for g in group]
    # Group frame -> Kinect camera space (x: sensor's left, y up, z depth).
    R = _rot_y(np.pi + view)
    where = np.array([rng.normal(0, 0.25), -setup.cam_height,
                      setup.distance + rng.normal(0, 0.25)])
    c, s = np.cos(setup.tilt), np.sin(setup.tilt)
    tilt = np.array([[1, 0, 0], [0, c, s], [0, -s, c]])
    side_view = float(abs(np.sin(view)))
    out, scores = [], []
    for k, g in enumerate(group):
        cam = (g @ R.T + where) @ tilt.T
        if SUPPORTED_LAYOUTS[layout] == '3d':
            out.append(_sensor_noise_3d(cam, rng, side_view, fps))
        else:
            fwd = np.array([0.0, 0.0, 1.0]) @ _rot_y(yaws[k] +
                                                     np.pi + view).T
            facing = np.full(T, -fwd[2])
            xy, sc = _project_2d(cam, setup.focal, rng, side_view, facing)
            out.append(xy)
            scores.append(sc)
    order = list(range(len(out)))
    if len(out) == 2 and rng.random() < 0.5:  # body order is arbitrary
        order = order[::-1]
    sel = _layout_joint_index(layout)
    keypoint = np.stack([out[i][:, sel] for i in order]).astype(np.float32)
    ann = dict(
        frame_dir=info.frame_dir,
        label=int(info.label),
        total_frames=int(T),
        keypoint=keypoint)
    if scores:
        ann['keypoint_score'] = np.stack([scores[i][:, sel] for i in order
                                          ]).astype(np.float32)
        ann['img_shape'] = (_IMG_H, _IMG_W)
        ann['original_shape'] = (_IMG_H, _IMG_W)
    return ann


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


# --------------------------------------------------------------------------
# The public API
# --------------------------------------------------------------------------
def _frame_counts(rng: np.random.Generator, n: int, min_frames: int,
                  max_frames: int) -> np.ndarray:
    # uniform over the range, slightly favouring shorter clips
    x = rng.random(n)**1.2
    return (min_frames + np.floor(x * (max_frames - min_frames + 1))).astype(
        np.int64).clip(min_frames, max_frames)


def _draw_infos(rng: np.random.Generator, label: int, n: int,
                pids: Sequence[int], num_setups: int) -> List[_SampleInfo]:
    """``n`` distinct (setup, camera, subject, replication) combinations."""
    ncam, nrep = len(_CAMERA_YAW), 2
    total = num_setups * ncam * len(pids) * nrep
    if n > total:
        raise ValueError(
            f'class {label} needs {n} samples but only {total} distinct '
            f'(setup, camera, subject, replication) names exist; raise the '
            'number of subjects or setups')
    flat = rng.choice(total, size=n, replace=False)
    flat.sort()
    infos = []
    for code in flat:
        code, rep = divmod(int(code), nrep)
        code, cam = divmod(code, ncam)
        setup, p = divmod(code, len(pids))
        infos.append(_SampleInfo(label, setup + 1, cam + 1, int(pids[p]),
                                 rep + 1))
    return infos


def generate_synthetic_lt(out_file: Optional[str] = None,
                          *,
                          num_classes: int = 20,
                          n_max: int = 200,
                          imbalance_factor: float = 100,
                          val_per_class: int = 30,
                          layout: str = 'nturgb+d',
                          min_frames: int = 30,
                          max_frames: int = 48,
                          seed: int = 0,
                          fps: float = 15.0,
                          train_subjects: int = 20,
                          val_subjects: int = 20,
                          num_setups: int = 17,
                          sink: Optional[Callable[[dict, str], None]] = None
                          ) -> dict:
    """Generate a synthetic long-tailed skeleton action dataset.

    Train: ``lt_class_counts(num_classes, n_max, imbalance_factor)`` samples
    of class ``c`` (class 0 is the head), performed by the train subjects.
    Val: ``val_per_class`` samples of every class, performed by other
    subjects (cross-subject). See the module docstring for how motions are
    synthesised.

    Args:
        out_file (str, optional): If given, the dict is pickled there
            (parent folders created, written atomically).
        num_classes (int): Number of classes, 2 to
            :func:`max_synthetic_classes`. Defaults to 20.
        n_max (int): Train samples of the head class. Defaults to 200.
        imbalance_factor (float): ``n_max / n_min`` of the train split.
            Defaults to 100.
        val_per_class (int): Val samples per class. Defaults to 30.
        layout (str): Joint layout, one of :data:`SUPPORTED_LAYOUTS`:
            ``'nturgb+d'`` / ``'nw_ucla'`` give 3D Kinect camera-space metres,
            ``'coco'`` / ``'openpose'`` give 2D pixels in a 1920x1080 image
            with ``keypoint_score``. Defaults to ``'nturgb+d'``.
        min_frames (int): Shortest clip (>= 8). Defaults to 30.
        max_frames (int): Longest clip. Defaults to 48 (2-3.2 s clips at
            15 fps keep the default pickle under 20 MB). Lengths are drawn
            about uniformly in ``[min_frames, max_frames]``; the action
            fills 60-95% of the clip, with rest poses around it.
        seed (int): Seed; the same arguments always give the same data.
            Defaults to 0.
        fps (float): Frame rate the motions are sampled at. Defaults to 15.
        train_subjects (int): Number of train performers. Defaults to 20.
        val_subjects (int): Number of val performers. Defaults to 20.
        num_setups (int): Number of camera setups (height, distance, tilt).
            Defaults to 17 (as NTU RGB+D 60).
        sink (callable, optional): Called as ``sink(annotation, split)`` for
            every sample as it is made, which is then not kept
            (``annotations`` stays empty): streams a dataset larger than RAM,
            e.g. into a skeleton store.

    Returns:
        dict: ``split`` (``xsub_train`` / ``xsub_val`` frame_dir lists),
        ``annotations`` (one dict per sample: ``frame_dir``, ``label``,
        ``total_frames``, ``keypoint`` float32 ``(M, T, V, C)`` and, in 2D,
        ``keypoint_score`` ``(M, T, V)``, ``img_shape``,
        ``original_shape``), ``classes`` (names) and ``meta`` (arguments,
        per-class counts, subjects, two-person classes).
    """
    _check_num_classes(num_classes)
    if layout not in SUPPORTED_LAYOUTS:
        raise ValueError(f'unknown layout {layout!r}; choose one of '
                         f'{sorted(SUPPORTED_LAYOUTS)}')
    for name, value, low in (('n_max', n_max, 1), ('val_per_class',
                                                   val_per_class, 0),
                             ('min_frames', min_frames, 8),
                             ('train_subjects', train_subjects, 2),
                             ('val_subjects', val_subjects, 2),
                             ('num_setups', num_setups, 1)):
        if not isinstance(value, (int, np.integer)) or isinstance(
                value, bool) or value < low:
            raise ValueError(f'{name} must be an int >= {low}, got {value!r}')
    if not isinstance(max_frames,
                      (int, np.integer)) or max_frames < min_frames:
        raise ValueError(f'max_frames ({max_frames!r}) must be an int >= '
                         f'min_frames ({min_frames})')
    if not imbalance_factor >= 1:
        raise ValueError(
            f'imbalance_factor must be >= 1, got {imbalance_factor!r}')
    if not fps > 0:
        raise ValueError(f'fps must be > 0, got {fps!r}')

    specs = _CLASS_TABLE[:num_classes]
    counts = lt_class_counts(num_classes, n_max, imbalance_factor)
    ids = np.random.default_rng([seed, 7]).permutation(
        np.arange(1, train_subjects + val_subjects + 1))
    train_pids = sorted(int(p) for p in ids[:train_subjects])
    val_pids = sorted(int(p) for p in ids[train_subjects:])
    subjects = {p: _make_subject(seed, p) for p in train_pids + val_pids}
    setups = {s: _make_setup(seed, s) for s in range(1, num_setups + 1)}

    annotations: List[dict] = []
    split: Dict[str, List[str]] = dict(xsub_train=[], xsub_val=[])
    for split_id, (key, pids, per_class) in enumerate(
        (('xsub_train', train_pids, counts),
         ('xsub_val', val_pids, [val_per_class] * num_classes))):
        pool = {p: subjects[p] for p in pids}
        for label, (spec, n) in enumerate(zip(specs, per_class)):
            n = int(n)
            if n == 0:
                continue
            rng = np.random.default_rng([seed, 3, split_id, spec.uid])
            infos = _draw_infos(rng, label, n, pids, num_setups)
            lengths = _frame_counts(rng, n, min_frames, max_frames)
            for i, (info, T) in enumerate(zip(infos, lengths)):
                ann = _render(spec, info, split_id, i, pool, setups, layout,
                              int(T), float(fps), seed)
                if sink is None:
                    annotations.append(ann)
                else:
                    sink(ann, key)
                split[key].append(ann['frame_dir'])

    val_counts = [val_per_class] * num_classes
    meta = dict(
        generator='brl_mm.datasets.synthetic.generate_synthetic_lt',
        args=dict(
            num_classes=num_classes,
            n_max=n_max,
            imbalance_factor=float(imbalance_factor),
            val_per_class=val_per_class,
            layout=layout,
            min_frames=min_frames,
            max_frames=max_frames,
            seed=seed,
            fps=float(fps),
            train_subjects=train_subjects,
            val_subjects=val_subjects,
            num_setups=num_setups),
        train_counts=[int(c) for c in counts],
        val_counts=val_counts,
        train_subject_ids=train_pids,
        val_subject_ids=val_pids,
        two_person_classes=[i for i, s in enumerate(specs) if s.persons == 2],
        coordinates=('kinect camera space, metres' if
                     SUPPORTED_LAYOUTS[layout] == '3d' else
                     f'pixels of a {_IMG_W}x{_IMG_H} image'))
    data = dict(
        split=split,
        annotations=annotations,
        classes=[s.name for s in specs],
        meta=meta)
    if out_file is not None:
        _dump_atomic(data, out_file)
    return data


def _dump_atomic(obj: dict, out_file: str) -> None:
    """Pickle ``obj`` to ``out_file`` through a temp file + ``os.replace``."""
    out_file = osp.abspath(out_file)
    folder = osp.dirname(out_file)
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix='.' + osp.basename(out_file) + '.', suffix='.tmp', dir=folder)
    try:
        with os.fdopen(fd, 'wb') as f:
            pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, out_file)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
