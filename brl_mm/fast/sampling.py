"""``UniformSampleFrames`` without its per-frame Python loop.

mmaction2's ``UniformSampleFrames.transform`` draws the frame indices and
then, when the sample has keypoints, runs a Python loop over every frame to
find the frames where the number of persons changes, and blends integer and
float indices with that mask. The indices are integers already, so the blend
returns them unchanged: the loop costs about half a millisecond per NTU
sample and changes nothing. :class:`FastUniformSampleFrames` draws the
indices with the stock code (same numpy RNG calls, so the same indices for
the same RNG state; ``tests/fast/test_fast_transforms.py`` pins this) and skips
the loop.
"""
from typing import Dict

import numpy as np
from mmaction.datasets.transforms import UniformSampleFrames
from mmaction.registry import TRANSFORMS

__all__ = ['FastUniformSampleFrames']


@TRANSFORMS.register_module()
class FastUniformSampleFrames(UniformSampleFrames):
    """mmaction2's ``UniformSampleFrames`` with the same output, faster.

    Same arguments (``clip_len``, ``num_clips``, ``test_mode``, ``seed``)
    and outputs (``frame_inds`` int32, ``clip_len``, ``frame_interval``,
    ``num_clips``).
    """

    def transform(self, results: Dict) -> Dict:
        """Sample the frame indices of ``results``.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        num_frames = results['total_frames']
        if 'keypoint' in results and results['keypoint'].shape[1] != \
                num_frames:
            raise ValueError(
                f'FastUniformSampleFrames: sample '
                f"{results.get('frame_dir', '?')}: total_frames = "
                f"{num_frames} but keypoint has "
                f"{results['keypoint'].shape[1]} frames; fix total_frames in "
                'the annotation file.')
        if self.test_mode:
            inds = self._get_test_clips(num_frames, self.clip_len)
        else:
            inds = self._get_train_clips(num_frames, self.clip_len)
        inds = np.mod(inds, num_frames) + results.get('start_index', 0)
        results['frame_inds'] = inds.astype(np.int32)
        results['clip_len'] = self.clip_len
        results['frame_interval'] = None
        results['num_clips'] = self.num_clips
        return results
