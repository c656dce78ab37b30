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
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

from ...layouts import get_layout
from ...utils.atomic_io import dump_atomically
from ..long_tail import lt_class_counts
from .body_model import _make_subject, synthetic_layouts
from .classes import _CLASS_TABLE, _check_num_classes
from .render import _CAMERA_YAW, _IMG_H, _IMG_W, _make_setup, _render, _SampleInfo


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


def _select_classes(num_classes: Optional[int],
                    classes: Optional[Sequence[str]]) -> List:
    """The class specs of a dataset: the table's first ``num_classes`` or
    the ones named by ``classes``."""
    if classes is None:
        num_classes = 20 if num_classes is None else num_classes
        _check_num_classes(num_classes)
        return list(_CLASS_TABLE[:num_classes])
    if isinstance(classes, str):
        raise TypeError('classes must be a sequence of class names, got the '
                        f'string {classes!r}; wrap it in a list')
    names = list(classes)
    by_name = {s.name: s for s in _CLASS_TABLE}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise ValueError(
            f'unknown synthetic class(es) {unknown}; '
            'brl_mm.datasets.synthetic.synthetic_class_names('
            'brl_mm.datasets.synthetic.max_synthetic_classes()) lists the '
            'names')
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f'classes lists {repeated} more than once')
    if num_classes is not None and num_classes != len(names):
        raise ValueError(f'num_classes={num_classes} but classes names '
                         f'{len(names)}; pass one of them')
    _check_num_classes(len(names))
    return [by_name[n] for n in names]


def _check_class_counts(class_counts: Sequence[int],
                        num_classes: int) -> np.ndarray:
    """``class_counts`` as an int array, or a ValueError naming the
    problem."""
    if isinstance(class_counts, (str, bytes)):
        raise TypeError(f'class_counts must be a sequence of ints, got '
                        f'{class_counts!r}')
    values = list(class_counts)
    if len(values) != num_classes:
        raise ValueError(f'class_counts has {len(values)} entries for '
                         f'{num_classes} classes; give one per class')
    bad = [v for v in values if isinstance(v, bool) or
           not isinstance(v, (int, np.integer)) or v < 0]
    if bad:
        raise ValueError(f'class_counts must be ints >= 0, got {bad}')
    if sum(values) == 0:
        raise ValueError('class_counts are all 0: the training split would '
                         'be empty')
    return np.asarray(values, dtype=np.int64)


def generate_synthetic_lt(out_file: Optional[str] = None,
                          *,
                          num_classes: Optional[int] = None,
                          classes: Optional[Sequence[str]] = None,
                          class_counts: Optional[Sequence[int]] = None,
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
                          style_scale: float = 1.0,
                          sink: Optional[Callable[[dict, str], None]] = None
                          ) -> dict:
    """Generate a synthetic long-tailed skeleton action dataset.

    Train: ``lt_class_counts(num_classes, n_max, imbalance_factor)`` samples
    of class ``c`` (label 0 is the head), performed by the train subjects.
    Val: ``val_per_class`` samples of every class, performed by other
    subjects (cross-subject). See the module docstring for how motions are
    synthesised.

    Args:
        out_file (str, optional): If given, the dict is pickled there
            (parent folders created, written atomically).
        num_classes (int, optional): Number of classes, 2 to
            :func:`max_synthetic_classes`: the first ``num_classes`` of the
            class table. Defaults to 20 (or ``len(classes)``).
        classes (Sequence[str], optional): Names of the table's classes to
            generate instead (:func:`synthetic_class_names` lists them), in
            label order: the first is the head of the long tail. A class
            looks the same whichever label it gets (its motion is seeded by
            its place in the table, not by its label). Defaults to the first
            ``num_classes`` of the table.
        class_counts (Sequence[int], optional): Training samples per label,
            instead of the exponential profile of ``n_max`` /
            ``imbalance_factor`` (e.g. a recorded dataset's own counts, laid
            on its labels). One count per class, each >= 0. ``n_max`` and
            ``imbalance_factor`` are then recorded in the meta but unused.
        n_max (int): Train samples of the head class. Defaults to 200.
        imbalance_factor (float): ``n_max / n_min`` of the train split.
            Defaults to 100.
        val_per_class (int): Val samples per class. Defaults to 30.
        layout (str): Joint layout, one of :func:`synthetic_layouts` (the
            layouts of :data:`brl_mm.layouts.LAYOUTS` whose joints the body
            model has):
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
        style_scale (float): How differently the subjects perform an
            action: multiplies the per (subject, class) share of every
            motion parameter's spread (amplitudes, keyframe timing and
            values, envelopes); the per-sample share stays. 0 makes every
            subject perform an action alike (up to body, tempo and sample
            noise). Defaults to 1 (the data of earlier versions).
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
    specs = _select_classes(num_classes, classes)
    num_classes = len(specs)
    if layout not in synthetic_layouts():
        raise ValueError(f'unknown layout {layout!r}; choose one of '
                         f'{synthetic_layouts()}')
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
    if isinstance(style_scale, bool) or not isinstance(
            style_scale, (int, float, np.integer, np.floating)) or \
            not 0 <= style_scale < np.inf:
        raise ValueError(
            f'style_scale must be a finite number >= 0, got {style_scale!r}')

    if class_counts is None:
        counts = lt_class_counts(num_classes, n_max, imbalance_factor)
    else:
        counts = _check_class_counts(class_counts, num_classes)
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
                              int(T), float(fps), seed, float(style_scale))
                if sink is None:
                    annotations.append(ann)
                else:
                    sink(ann, key)
                split[key].append(ann['frame_dir'])

    val_counts = [val_per_class] * num_classes
    args_given = {}  # (the default meta stays as it was)
    if classes is not None:
        args_given['classes'] = [s.name for s in specs]
    if class_counts is not None:
        args_given['class_counts'] = [int(c) for c in counts]
    if style_scale != 1:
        args_given['style_scale'] = float(style_scale)
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
            num_setups=num_setups,
            **args_given),
        train_counts=[int(c) for c in counts],
        val_counts=val_counts,
        train_subject_ids=train_pids,
        val_subject_ids=val_pids,
        two_person_classes=[i for i, s in enumerate(specs) if s.persons == 2],
        coordinates=('kinect camera space, metres' if
                     get_layout(layout).coord_dims == 3 else
                     f'pixels of a {_IMG_W}x{_IMG_H} image'))
    data = dict(
        split=split,
        annotations=annotations,
        classes=[s.name for s in specs],
        meta=meta)
    if out_file is not None:
        dump_atomically(data, out_file)
    return data
