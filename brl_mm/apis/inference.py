"""Ask a trained recognizer about new skeletons (``mmaction.apis`` style).

:func:`init_recognizer` builds the model of a config, loads a checkpoint and
attaches what the checkpoint knows about its training set
(``model.dataset_meta``: class names, training class counts, layout);
:func:`inference_skeleton` runs the config's test pipeline on one raw
``(M, T, V, C)`` keypoint array and returns the top-k classes.
"""
import os.path as osp
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import init_default_scope
from mmengine.runner import CheckpointLoader, load_state_dict

__all__ = [
    'LayoutMismatchError', 'SkeletonPrediction', 'init_recognizer',
    'inference_skeleton', 'predict_scores', 'make_sample', 'model_layout',
    'top_k', 'class_name', 'test_pipeline_cfg', 'resolve_config'
]


class LayoutMismatchError(ValueError):
    """The input skeletons do not have the joints / coordinates the model
    was trained on."""


@dataclass
class SkeletonPrediction:
    """The top-k classes of one sample.

    Attributes:
        labels (list[int]): Class ids, best first.
        names (list[str]): Their names (``'class_<id>'`` without names).
        scores (list[float]): Their probabilities.
        pred_score (np.ndarray): ``(K,)`` probabilities of every class.
        sample (str): The sample's name (``frame_dir``), if any.
    """

    labels: List[int]
    names: List[str]
    scores: List[float]
    pred_score: np.ndarray = field(repr=False)
    sample: str = ''

    def to_dict(self) -> Dict:
        """JSON-ready dict (``pred_score`` as a list)."""
        out = asdict(self)
        out['pred_score'] = [float(s) for s in self.pred_score]
        return out


def _dataset_cfg(cfg: Config, split: str = 'test'):
    """The innermost dataset config of ``{split}_dataloader`` (wrappers such
    as ``RepeatDataset`` unwrapped), or None."""
    loader = cfg.get(f'{split}_dataloader')
    dataset = loader.get('dataset') if loader else None
    while dataset is not None and 'dataset' in dataset:
        dataset = dataset['dataset']
    return dataset


def test_pipeline_cfg(cfg: Config) -> List[Dict]:
    """The transforms a sample goes through at test time: the test loader's
    pipeline (a stream config's own), else the config's ``test_pipeline``.

    Args:
        cfg (Config): A recognizer config.

    Returns:
        list[dict]: The pipeline config.
    """
    for split in ('test', 'val'):
        dataset = _dataset_cfg(cfg, split)
        if dataset is not None and dataset.get('pipeline'):
            return list(dataset['pipeline'])
    if cfg.get('test_pipeline'):
        return list(cfg.test_pipeline)
    raise KeyError('the config has no test_dataloader.dataset.pipeline and '
                   'no test_pipeline: inference needs the test transforms')


def model_layout(cfg: Config) -> Optional[str]:
    """Skeleton layout of a config's model: the test set's ``layout``, else
    the backbone's ``graph_cfg.layout``."""
    dataset = _dataset_cfg(cfg, 'test') or {}
    if dataset.get('layout'):
        return dataset['layout']
    graph = cfg.model.get('backbone', {}).get('graph_cfg', {})
    return graph.get('layout')


def resolve_config(config: Union[str, Config]) -> Config:
    """A Config from a Config, a config file or a model-zoo name.

    Args:
        config (str | Config): The config, its file or a zoo name.

    Returns:
        Config: The config (a Config is returned as is).
    """
    from brl_mm.utils import load_config
    if isinstance(config, Config):
        return config
    config = str(config)
    if osp.isfile(config):
        return load_config(config)
    from brl_mm.zoo import get_zoo_entry  # a zoo name such as brl_..._j
    return load_config(get_zoo_entry(config).config_path)


def _checkpoint_meta(checkpoint: Dict, cfg: Config,
                     num_classes: int) -> Dict:
    """``model.dataset_meta`` from a loaded checkpoint.

    ``meta['dataset_meta']`` is the training set's metainfo, which mmengine's
    Runner stores in every checkpoint (``LongTailPoseDataset`` puts
    ``classes`` and ``class_counts`` there); ``meta['class_counts']`` is
    ``DetachedScheduleHook``'s copy. The dataset's entry wins.
    """
    from brl_mm.datasets import benchmark_class_names
    meta = (checkpoint or {}).get('meta') or {}
    dataset_meta = dict(meta.get('dataset_meta') or {})
    layout = dataset_meta.get('layout') or model_layout(cfg)
    classes = dataset_meta.get('classes')
    if classes is None or len(classes) != num_classes:
        classes = benchmark_class_names(layout, num_classes)
    counts = dataset_meta.get('class_counts', meta.get('class_counts'))
    return dict(
        classes=tuple(classes) if classes is not None else None,
        class_counts=list(counts) if counts is not None else None,
        num_classes=num_classes,
        layout=layout)


def init_recognizer(config: Union[str, Config],
                    checkpoint: Optional[str] = None,
                    device: Union[str, torch.device] = 'cpu'
                    ) -> torch.nn.Module:
    """Build a recognizer, load its weights and its training-set metadata.

    Args:
        config (str | Config): A config file, a Config, or a model-zoo name
            (``brl_stgcnpp_ntu60-xsub-lt100_j``, see :mod:`brl_mm.zoo`).
        checkpoint (str, optional): A checkpoint file or ``brl://NAME``,
            loaded strictly (only the training-state buffers of the losses
            may be absent, as in converted BRL files). None keeps the
            initial weights.
        device (str | torch.device): Defaults to ``'cpu'``.

    Returns:
        torch.nn.Module: The model in eval mode, with ``model.cfg`` and
        ``model.dataset_meta`` (``classes`` (tuple or None),
        ``class_counts`` (list or None), ``num_classes``, ``layout``).
    """
    import brl_mm  # noqa: F401  (compat shims, registration, brl://)
    from mmaction.registry import MODELS
    cfg = resolve_config(config)
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    if cfg.model.get('backbone', {}).get('pretrained'):
        cfg.model.backbone.pretrained = None
    model = MODELS.build(cfg.model)
    loaded = None
    if checkpoint is not None:
        from brl_mm.zoo import fill_training_state
        loaded = CheckpointLoader.load_checkpoint(checkpoint, 'cpu')
        state = dict(loaded.get('state_dict', loaded))
        # a converted BRL file lacks the losses' training-state buffers
        fill_training_state(state, model)
        try:
            load_state_dict(model, state, strict=True)
        except RuntimeError as error:
            raise ValueError(
                f'checkpoint {checkpoint} does not fit the model of the '
                f'config (another backbone, width or class count?): '
                f'{str(error).strip()[:1500]}') from error
    num_classes = int(cfg.model.cls_head.num_classes)
    model.cfg = cfg
    model.dataset_meta = _checkpoint_meta(loaded, cfg, num_classes)
    model.to(device)
    model.eval()
    return model


def _check_keypoints(keypoints: np.ndarray,
                     keypoint_score: Optional[np.ndarray],
                     expected: Optional[str], given: Optional[str],
                     name: str) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Validate ``(M, T, V, C)`` keypoints against the model's layout."""
    from brl_mm.layouts import get_layout
    where = f' ({name})' if name else ''
    keypoints = np.asarray(keypoints, dtype=np.float32)
    if keypoints.ndim == 3:  # one person
        keypoints = keypoints[None]
    if keypoints.ndim != 4 or 0 in keypoints.shape:
        raise ValueError(f'keypoints{where} must be (M persons, T frames, V '
                         f'joints, C coords), got shape {keypoints.shape}')
    if not np.isfinite(keypoints).all():
        raise ValueError(f'keypoints{where} hold NaN or inf values: fill or '
                         'drop the missing frames first')
    if expected is None:
        return keypoints, keypoint_score
    layout = get_layout(expected)
    V, C = keypoints.shape[2], keypoints.shape[3]
    if given is not None and get_layout(given).name != layout.name:
        raise LayoutMismatchError(
            f'the input{where} is in the {given!r} layout but the model was '
            f'trained on {layout.name!r} ({layout.num_joints} joints): use a '
            f'model trained on {given!r} skeletons, or convert the poses')
    if V != layout.num_joints:
        known = [repr(lay.name) for lay in _layouts_with(V)]
        guess = (f' (the {" / ".join(known)} layout)' if known else '')
        raise LayoutMismatchError(
            f'the input{where} has {V} joints per person{guess} but the model '
            f'expects {layout.num_joints} joints of the {layout.name!r} '
            'layout. Use a model trained on your skeleton format (COCO-17 '
            '2D poses: a config of configs/brl/k400/; NTU-25 3D: '
            'configs/brl/ntu60_xsub_lt/), or train one on your data; joints '
            'of one format cannot simply be fed to a model of another.')
    dims = layout.coord_dims
    if layout.has_score and C == 3 and keypoint_score is None:
        # (x, y, score) as pose estimators write them
        keypoint_score, keypoints = keypoints[..., 2], keypoints[..., :2]
        C = 2
    if C != dims:
        raise LayoutMismatchError(
            f'the input{where} has {C} coordinates per joint but the '
            f'{layout.name!r} model expects {dims} '
            f'({"x, y, z" if dims == 3 else "x, y (+ a score)"}): 2D poses '
            'need a 2D model (configs/brl/k400/), 3D skeletons a 3D one')
    if layout.has_score and keypoint_score is None:
        keypoint_score = np.ones(keypoints.shape[:3], dtype=np.float32)
    if keypoint_score is not None:
        keypoint_score = np.asarray(keypoint_score, dtype=np.float32)
        if keypoint_score.shape != keypoints.shape[:3]:
            raise ValueError(
                f'keypoint_score{where} has shape {keypoint_score.shape}, '
                f'expected (M, T, V) = {keypoints.shape[:3]}')
    return keypoints, keypoint_score


def _layouts_with(num_joints: int):
    from brl_mm.layouts import LAYOUTS
    return [lay for lay in LAYOUTS.values() if lay.num_joints == num_joints]


def _pipeline(model: torch.nn.Module) -> Compose:
    pipeline = getattr(model, '_brl_test_pipeline', None)
    if pipeline is None:
        init_default_scope(model.cfg.get('default_scope', 'mmaction'))
        pipeline = Compose(test_pipeline_cfg(model.cfg))
        model._brl_test_pipeline = pipeline
    return pipeline


def make_sample(keypoints: np.ndarray,
                keypoint_score: Optional[np.ndarray] = None,
                name: str = '',
                img_shape: Optional[Tuple[int, int]] = None) -> Dict:
    """The annotation dict of one sample, as in an mmaction skeleton pickle.

    Args:
        keypoints (np.ndarray): ``(M, T, V, C)`` float keypoints.
        keypoint_score (np.ndarray, optional): ``(M, T, V)`` scores (2D).
        name (str): The sample's ``frame_dir``.
        img_shape (tuple, optional): ``(height, width)`` of the video (2D
            poses in pixels; ``PreNormalize2D`` defaults to 1080 x 1920).

    Returns:
        dict: ``keypoint``, ``total_frames``, ``frame_dir``, ``label=-1``,
        ``start_index``, ``modality`` (+ ``keypoint_score``, ``img_shape``);
        the arrays are copies, so the caller's are never changed.
    """
    # copies: some stock transforms (PreNormalize2D) work in place
    sample = dict(keypoint=np.array(keypoints, dtype=np.float32),
                  total_frames=int(keypoints.shape[1]), frame_dir=name,
                  label=-1, start_index=0, modality='Pose')
    if keypoint_score is not None:
        sample['keypoint_score'] = np.array(keypoint_score, dtype=np.float32)
    if img_shape is not None:
        sample['img_shape'] = tuple(int(s) for s in img_shape)
    return sample


def predict_scores(model: torch.nn.Module,
                   keypoints: np.ndarray,
                   keypoint_score: Optional[np.ndarray] = None,
                   layout: Optional[str] = None,
                   name: str = '',
                   img_shape: Optional[Tuple[int, int]] = None) -> np.ndarray:
    """Class probabilities of one sample through the config's test pipeline.

    Args:
        model (torch.nn.Module): From :func:`init_recognizer`.
        keypoints (np.ndarray): ``(M, T, V, C)`` (or ``(T, V, C)``).
        keypoint_score (np.ndarray, optional): ``(M, T, V)``; for a 2D model
            and ``C == 3`` the last channel is taken as the score.
        layout (str, optional): The input's layout, checked against the
            model's (the joint count is always checked).
        name (str): The sample's name, for messages.
        img_shape (tuple, optional): ``(h, w)`` for 2D pixel coordinates.

    Returns:
        np.ndarray: ``(K,)`` float64 probabilities (the head's
        ``average_clips`` over the test clips).
    """
    keypoints, keypoint_score = _check_keypoints(
        keypoints, keypoint_score, model.dataset_meta.get('layout'), layout,
        name)
    data = _pipeline(model)(
        make_sample(keypoints, keypoint_score, name, img_shape))
    with torch.no_grad():
        result = model.test_step(pseudo_collate([data]))[0]
    return result.pred_score.detach().cpu().double().numpy()


def class_name(classes: Optional[Sequence[str]],
               label: Optional[int]) -> Optional[str]:
    """The name of ``label``: ``classes[label]``, else ``'class_<label>'``
    (None for no label)."""
    if label is None:
        return None
    if classes is not None and 0 <= label < len(classes):
        return str(classes[label])
    return f'class_{label}'


def top_k(scores: np.ndarray, classes: Optional[Sequence[str]],
          k: int = 5, sample: str = '') -> SkeletonPrediction:
    """The ``k`` best classes of a ``(K,)`` score vector (stable order).

    Args:
        scores (np.ndarray): ``(K,)`` probabilities.
        classes (Sequence[str], optional): Class names.
        k (int): How many. Defaults to 5 (capped at ``K``).
        sample (str): The sample's name.

    Returns:
        SkeletonPrediction: The top-k labels, names and scores.
    """
    scores = np.asarray(scores, dtype=np.float64)
    order = np.argsort(-scores, kind='stable')[:max(1, min(k, len(scores)))]
    names = [class_name(classes, int(i)) for i in order]
    return SkeletonPrediction(
        labels=[int(i) for i in order], names=names,
        scores=[float(scores[i]) for i in order], pred_score=scores,
        sample=sample)


def inference_skeleton(model: torch.nn.Module,
                       keypoints: np.ndarray,
                       keypoint_score: Optional[np.ndarray] = None,
                       layout: Optional[str] = None,
                       topk: int = 5,
                       name: str = '',
                       img_shape: Optional[Tuple[int, int]] = None
                       ) -> SkeletonPrediction:
    """Recognize the action of one skeleton sequence.

    Args:
        model (torch.nn.Module): From :func:`init_recognizer`.
        keypoints (np.ndarray): ``(M, T, V, C)`` keypoints of ``M`` persons
            in ``T`` frames (``(T, V, C)``: one person).
        keypoint_score (np.ndarray, optional): ``(M, T, V)`` scores of 2D
            poses (default: the third channel of ``C == 3`` 2D input, else
            ones).
        layout (str, optional): The input's layout name; a mismatch with
            the model's raises :class:`LayoutMismatchError`, as does a joint
            count or coordinate dimension the model was not trained on.
        topk (int): Number of classes returned. Defaults to 5.
        name (str): The sample's name (kept in the result).
        img_shape (tuple, optional): ``(h, w)`` for 2D pixel coordinates.

    Returns:
        SkeletonPrediction: Top-k labels, names and scores, and the
        probabilities of all classes.
    """
    scores = predict_scores(model, keypoints, keypoint_score, layout, name,
                            img_shape)
    return top_k(scores, model.dataset_meta.get('classes'), topk, name)
