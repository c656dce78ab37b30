"""Rendering one sample: a posed person (or pair) placed in front of a
Kinect-like camera, with sensor noise, in the 3D or 2D layout asked for."""
from dataclasses import dataclass
from typing import Dict, Tuple

import numpy as np

from ...layouts import get_layout
from .body_model import (_BODY, _CONTACT_CLEARANCE, _IDLE_DEG, _JITTER_MULT,
                         _SIDES, _forward_kinematics, _j, _layout_joint_index,
                         _local_rotations, _rot_y, _smooth_noise, _Subject)
from .classes import _ClassSpec
from .tracks import _Track

# --------------------------------------------------------------------------
# Rendering one sample
# --------------------------------------------------------------------------
# Horizontal camera angles of C001..C003 (degrees, NTU style).
_CAMERA_YAW = (0.0, 45.0, -45.0)
#: Image size of the 2D layouts' pinhole camera (height, width).
_IMG_H, _IMG_W = 1080, 1920


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
            layout: str, T: int, fps: float, seed: int,
            style_scale: float = 1.0) -> dict:
    """Generate one annotation dict (``style_scale``: see
    ``generate_synthetic_lt``)."""
    rng = np.random.default_rng([seed, 17, split_id, spec.uid, index])
    setup = setups[info.setup]

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
                   tempo=s.tempo * float(np.exp(rng.normal(0, 0.1))),
                   style_scale=style_scale))
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
        if get_layout(layout).coord_dims == 3:
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


