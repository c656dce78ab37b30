"""The motion library: one function per single-person action class and the
lower-body primitives for combinations, writing joint rotations over time
into a :class:`~.tracks._Track` (two-person classes: :mod:`.interactions`)."""
from typing import Optional

import numpy as np

from .body_model import _SIDES
from .tracks import _other, _Track


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
