"""Motion tracks: what the class functions of :mod:`.motions` write joint
rotations and root translations into, per person and over time."""
from typing import Callable, List, Optional, Sequence

import numpy as np

from .body_model import _BODY, _SIDES, _j, _smoothstep, _Subject


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
        style_scale (float): Multiplies the subject's share of every
            drawn parameter (:meth:`var`): how differently two people
            perform the same action. Defaults to 1.
    """

    def __init__(self, u: np.ndarray, fps: float, window_s: float,
                 subject: _Subject, style_rng: np.random.Generator,
                 sample_rng: np.random.Generator, amp: float,
                 tempo: float, style_scale: float = 1.0) -> None:
        self.u = u
        self.T = len(u)
        self.fps = fps
        self.window_s = window_s
        self.subject = subject
        self.style_rng = style_rng
        self.sample_rng = sample_rng
        self.amp = amp
        self.tempo = tempo
        self.style_sd = 0.75 * style_scale
        self.ang = np.zeros((self.T, _BODY.num_joints, 3))
        self.root_off = np.zeros((self.T, 3))  # body frame, after contact
        self.root_yaw = np.zeros(self.T)  # turn about the pelvis, radians
        self.lift = np.zeros(self.T)  # airborne height (jumps)
        self.uses: set = set()

    # ---------------------------------------------------------- variation
    def var(self, mean: float, sd: float, lo: Optional[float] = None,
            hi: Optional[float] = None) -> float:
        """A parameter drawn from the subject's style and the sample."""
        z = self.style_sd * self.style_rng.normal() + \
            0.66 * self.sample_rng.normal()
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


