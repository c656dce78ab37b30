"""Two-person interactions of the motion library: each writes the rotations
of an actor and a receiver :class:`~.tracks._Track`; the class table's
``contact`` sets their distance."""
import numpy as np

from .body_model import _SIDES
from .motions import _guard, _kick, _point, _walk_legs
from .tracks import _Track


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


