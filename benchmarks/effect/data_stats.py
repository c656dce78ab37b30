"""What a skeleton set looks like to a model: statistics to compare generated
data with recorded motion (issue 18, item 4).

For a pickle with a training and a test split (3D, NTU-25 joints):

* **takes**: frames per take (median and quartiles);
* **body**: the summed length of the arm, leg and torso bones per take, its
  spread over the takes (coefficient of variation) and how much one take's
  bones change over its frames (median per-bone CV: 0 for a rigid body
  model, several percent for a Kinect skeleton fit);
* **jitter**: the median frame-to-frame acceleration of the joints, relative
  to the body size;
* **facing**: the spread of the shoulder line's direction in the ground
  plane at the first frame (how many views the takes are seen from);
* **1-NN**: every test take's nearest training take after mmaction's
  ``PreNormalize3D`` and a uniform resampling to 16 frames: overall top-1 and
  the mean over the rarest quarter of the classes. It measures how far one
  training take reaches to another subject's take of the same action, which
  is what the long tail's rare classes depend on.
"""
from typing import Dict, List, Sequence

import numpy as np

#: NTU-25 bones (0-based joint pairs) whose lengths make the body size:
#: spine, neck, arms to the wrists, legs to the ankles.
BODY_BONES = ((0, 1), (1, 20), (20, 2), (2, 3), (20, 4), (4, 5), (5, 6),
              (20, 8), (8, 9), (9, 10), (0, 12), (12, 13), (13, 14),
              (0, 16), (16, 17), (17, 18))
#: Left / right shoulder (NTU-25, 0-based).
SHOULDERS = (4, 8)
RESAMPLED_FRAMES = 16
TAIL_SHARE = 0.25


def _first_person(ann: Dict) -> np.ndarray:
    """``(T, V, 3)`` of the first person, frames with any joint kept."""
    kp = np.asarray(ann['keypoint'], dtype=np.float64)[0]
    keep = np.abs(kp).sum(axis=(1, 2)) > 0
    return kp[keep] if keep.any() else kp


def _bone_lengths(kp: np.ndarray) -> np.ndarray:
    """``(T, B)`` lengths of :data:`BODY_BONES`."""
    a, b = np.array(BODY_BONES).T
    return np.linalg.norm(kp[:, a] - kp[:, b], axis=-1)


def take_features(ann: Dict) -> np.ndarray:
    """The take through mmaction's ``PreNormalize3D``, resampled uniformly
    to :data:`RESAMPLED_FRAMES` frames, flattened.

    The normalisation is brl_mm's ``CachedPreNormalize3D.normalize``
    without its cache: the stock transform's output bit for bit, with the
    per-frame test vectorized (the stock loop was half of a twin search).
    """
    from brl_mm.fast.normalize import CachedPreNormalize3D
    out = CachedPreNormalize3D(memory_cache_mb=0).normalize(
        dict(keypoint=np.array(ann['keypoint'], dtype=np.float32),
             total_frames=ann['total_frames'],
             frame_dir=ann.get('frame_dir', '?')))
    kp = out['keypoint'][0]
    t = np.linspace(0, kp.shape[0] - 1, RESAMPLED_FRAMES).round().astype(int)
    return kp[t].reshape(-1)


def split_annotations(data: Dict, split: str) -> List[Dict]:
    """The annotations of one split, in the split's order."""
    by_id = {a['frame_dir']: a for a in data['annotations']}
    return [by_id[i] for i in data['split'][split]]


def motion_stats(anns: Sequence[Dict]) -> Dict[str, float]:
    """Take length, body size spread, bone rigidity, jitter and facing
    spread of some takes (see the module docstring)."""
    frames = np.array([a['total_frames'] for a in anns])
    sizes, rigid, jitter, facing = [], [], [], []
    for ann in anns:
        kp = _first_person(ann)
        bones = _bone_lengths(kp)
        size = bones.sum(axis=1)
        sizes.append(np.median(size))
        rigid.append(np.median(bones.std(0) / np.maximum(bones.mean(0),
                                                         1e-6)))
        if kp.shape[0] >= 3:
            acc = np.linalg.norm(np.diff(kp, n=2, axis=0), axis=-1)
            jitter.append(np.median(acc) / max(np.median(size), 1e-6))
        left, right = kp[0, SHOULDERS[0]], kp[0, SHOULDERS[1]]
        dx, dz = right[0] - left[0], right[2] - left[2]
        facing.append(np.arctan2(dz, dx))
    sizes = np.array(sizes)
    facing = np.array(facing)
    # circular spread (radians -> degrees): sqrt(-2 ln R)
    r = np.abs(np.mean(np.exp(1j * facing)))
    return dict(
        takes=len(anns),
        frames_median=float(np.median(frames)),
        frames_q25=float(np.percentile(frames, 25)),
        frames_q75=float(np.percentile(frames, 75)),
        body_size_m=float(np.median(sizes)),
        body_size_cv=float(sizes.std() / sizes.mean()),
        bone_cv_within_take=float(np.median(rigid)),
        jitter_per_body=float(np.median(jitter)) if jitter else float('nan'),
        facing_spread_deg=float(np.degrees(np.sqrt(-2 * np.log(max(r,
                                                                   1e-12))))))


def nearest_labels(gallery: np.ndarray, gallery_labels: np.ndarray,
                   queries: np.ndarray) -> np.ndarray:
    """The label of each query's nearest gallery row (squared Euclidean
    distance; the first row on a tie).

    Args:
        gallery (np.ndarray): ``(G, D)`` features.
        gallery_labels (np.ndarray): ``(G, )`` their labels.
        queries (np.ndarray): ``(Q, D)`` features.

    Returns:
        np.ndarray: ``(Q, )`` labels.
    """
    d = ((queries[:, None, :] - gallery[None, :, :])**2).sum(-1)
    return np.asarray(gallery_labels)[d.argmin(1)]


def confusion_matrix(truth: np.ndarray, pred: np.ndarray,
                     num_classes: int) -> np.ndarray:
    """Row-normalised confusion matrix: entry ``[t, p]`` is the share of the
    label-``t`` queries predicted as ``p`` (a row of zeros for a label
    without queries)."""
    counts = np.zeros((num_classes, num_classes))
    np.add.at(counts, (np.asarray(truth), np.asarray(pred)), 1)
    rows = counts.sum(1, keepdims=True)
    return np.divide(counts, rows, out=np.zeros_like(counts),
                     where=rows > 0)


def nearest_neighbour(train: Sequence[Dict], test: Sequence[Dict],
                      num_classes: int) -> Dict[str, float]:
    """1-NN accuracy of the test takes against the training takes (see the
    module docstring): ``top1``, ``mean_class``, ``tail`` (the rarest
    :data:`TAIL_SHARE` of the classes by training count, ties by label),
    and per label ``per_class`` (NaN for a label without test takes) and
    ``train_counts``."""
    gallery = np.stack([take_features(a) for a in train])
    labels = np.array([a['label'] for a in train])
    queries = np.stack([take_features(a) for a in test])
    truth = np.array([a['label'] for a in test])
    pred = nearest_labels(gallery, labels, queries)
    per_class = np.array([np.mean(pred[truth == c] == c)
                          if np.any(truth == c) else np.nan
                          for c in range(num_classes)])
    counts = np.bincount(labels, minlength=num_classes)
    rare = np.argsort(counts, kind='stable')[:max(1, int(round(
        TAIL_SHARE * num_classes)))]
    return dict(top1=float(np.mean(pred == truth)),
                mean_class=float(np.nanmean(per_class)),
                tail=float(np.nanmean(per_class[rare])),
                per_class=[float(v) for v in per_class],
                train_counts=[int(n) for n in counts])


def dataset_stats(data: Dict, train_split: str = 'xsub_train',
                  test_split: str = 'xsub_val') -> Dict[str, Dict]:
    """:func:`motion_stats` of both splits and :func:`nearest_neighbour`."""
    train = split_annotations(data, train_split)
    test = split_annotations(data, test_split)
    num_classes = len(data.get('classes') or []) or 1 + max(
        a['label'] for a in data['annotations'])
    return dict(train=motion_stats(train), test=motion_stats(test),
                nn=nearest_neighbour(train, test, num_classes))
