"""A 2-process CPU (gloo) run of tools/dist_train.sh: every rank gets the
same class counts, weights and stage from DetachedScheduleHook."""
import glob
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np

from brl_mm.models.losses import action_aware_class_weight
from brl_mm.testing import (REPO, TINY_TRAIN_COUNTS, free_port,
                            tiny_train_config)

# A test-only hook, imported by the training processes through
# custom_imports: after DetachedScheduleHook (priority LOW) it dumps what the
# loss of this rank holds at every epoch start.
# CPU-only torchrun works through brl_mm itself: the cpu_distributed shim
# (init_dist without torch.cuda.set_device) and configure_distributed (DDP
# without device_ids).
PROBE_SOURCE = '''
import json
import os.path as osp

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmaction.registry import HOOKS


@HOOKS.register_module()
class ScheduleProbeHook(Hook):

    def __init__(self, out_dir):
        self.out_dir = out_dir

    def before_train_epoch(self, runner):
        wrapped = is_model_wrapper(runner.model)
        model = runner.model.module if wrapped else runner.model
        loss = model.cls_head.loss_cls
        name = f'rank{runner.rank}_epoch{runner.epoch}.json'
        with open(osp.join(self.out_dir, name), 'w') as f:
            json.dump(dict(
                rank=runner.rank, world_size=runner.world_size,
                wrapped=wrapped, stage=loss.current_stage,
                stage_buffer=float(loss.stage),
                counts=loss.class_counts.tolist(),
                weight=loss.class_weight.tolist()), f)
'''


def test_two_process_gloo_run_gives_every_rank_the_same_schedule(
        tiny_pickle, tmp_path):
    probe_dir = tmp_path / 'probe'
    probe_dir.mkdir()
    (tmp_path / 'schedule_probe.py').write_text(PROBE_SOURCE)
    cfg = tiny_train_config(tiny_pickle['path'],
                         str(tmp_path / 'work'),
                         max_epochs=2,
                         switch_epoch=1)
    cfg.custom_imports = dict(imports=['brl_mm', 'schedule_probe'],
                              allow_failed_imports=False)
    cfg.custom_hooks.append(
        dict(type='ScheduleProbeHook', out_dir=str(probe_dir), priority='LOW'))
    config = str(tmp_path / 'tiny_dist.py')
    cfg.dump(config)

    env = dict(os.environ,
               PYTHON=sys.executable,
               PORT=str(free_port()),
               OMP_NUM_THREADS='1',
               PYTHONFAULTHANDLER='1',  # where a rank aborts, if one does
               PYTHONPATH=os.pathsep.join(
                   [str(tmp_path),
                    os.environ.get('PYTHONPATH', '')]))
    proc = subprocess.run([
        'bash',
        osp.join(REPO, 'tools/dist_train.sh'), config, '2', '--work-dir',
        str(tmp_path / 'work')
    ],
                          cwd=REPO,
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=240)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    dumps = {}
    for path in glob.glob(str(probe_dir / '*.json')):
        with open(path) as f:
            record = json.load(f)
        dumps[osp.basename(path)] = record
    assert sorted(dumps) == [
        'rank0_epoch0.json', 'rank0_epoch1.json', 'rank1_epoch0.json',
        'rank1_epoch1.json'
    ]
    aa = action_aware_class_weight(TINY_TRAIN_COUNTS)
    for epoch, stage, weight in [(0, 1, np.ones(4)), (1, 2, aa)]:
        ranks = [dumps[f'rank{r}_epoch{epoch}.json'] for r in (0, 1)]
        for rank, record in enumerate(ranks):
            assert record['rank'] == rank and record['world_size'] == 2
            assert record['wrapped'], 'the hook must see through DDP'
            assert record['stage'] == stage == record['stage_buffer']
            assert record['counts'] == TINY_TRAIN_COUNTS
            np.testing.assert_allclose(record['weight'], weight, rtol=1e-6)
        # bit-identical on both ranks
        assert ranks[0]['weight'] == ranks[1]['weight']
        assert ranks[0]['counts'] == ranks[1]['counts']
