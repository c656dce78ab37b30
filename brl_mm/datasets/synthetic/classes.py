"""The synthetic class table: which motion (or combination of upper- and
lower-body motions) each class performs, its name and person count."""
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Tuple

import numpy as np

from .interactions import (_give_object, _handshake, _high_five, _hug,
                           _kick_other, _pat_shoulder, _point_at, _punch_other,
                           _push, _walk_apart, _walk_towards)
from .motions import (_arm_circles, _bounce, _bow, _check_watch, _cheer, _clap,
                      _cross_arms, _drink, _fall, _half_squat, _hands_on_head,
                      _hop, _jump, _jumping_jacks, _kick, _look_around, _lunge,
                      _nod, _one_leg_stand, _phone_call, _pick_up, _point,
                      _punch, _raise_both_arms, _reach_up, _rub_hands, _salute,
                      _shake_head, _shrug, _side_kick, _sit_down, _squat,
                      _stand_up, _throw, _touch_toes, _walk_in_place,
                      _walk_legs, _wave, _wipe_face)
from .tracks import _Track


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


