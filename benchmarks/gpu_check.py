"""The GPU check of issue 19: every GPU-only path of brl-mm in one command.

Run through ``benchmarks/gpu_check.sh OUT_DIR [--dry-run]`` (see
``benchmarks/gpu_check.md``). The steps, each with its own timeout inside one
overall budget (a step that fails or times out is recorded and the rest still
run; a step the budget no longer allows is recorded as skipped):

``install``
    the pure-Python wheels carried in ``.whl/`` (``fetch_wheels.sh``) into a
    private site folder, no network, no dependency resolution, so the
    machine's CUDA torch is never replaced;
``environment``
    GPU model, driver, torch / CUDA / cuDNN and package versions;
``cuda_tests``
    ``pytest tests -k cuda`` (the host-sync checks of the mixup and the head;
    on a GPU a skipped test is a failure);
``speed``
    ``benchmarks/bench_train_speed.py --device cuda --loader-check`` (stock
    mmaction2 and the BRL recipe side by side in one process: samples/s at
    B=16 and 128 in fp32 / bf16 / fp16 / compiled, the BRL components' share
    of a step, peak memory, the GPU idle share with 2 loader workers);
``data``
    the synthetic long-tailed NTU-25 dataset (``generate_synthetic_lt.py``);
``train_fp32`` / ``train_bf16``
    ``configs/brl/synthetic_lt.py`` (full width) for 3 epochs of a 2x
    repeated training set (342 iterations at 16 samples) through
    ``tools/dist_train.sh CONFIG 1`` (torchrun, NCCL), the second with
    ``--amp --cfg-options optim_wrapper.dtype=bfloat16``; the loss must fall
    over stage 1 and stay finite, the backend must be NCCL on a GPU.

Written into OUT_DIR: ``gpu_check.json`` (every figure, command and status),
``gpu_check.md`` (the same as tables) and ``gpu_check.log`` (the output of
every command), rewritten after each step. Work files (data, checkpoints) go
to a temporary folder outside OUT_DIR.

``--dry-run`` runs every step on the CPU at a tiny size (no install, gloo
instead of NCCL, a shrunk model, a few iterations), so that CI keeps this
script working. The exit status is 1 when a step failed, 2 for bad usage.
"""
import argparse
import glob
import json
import math
import os
import os.path as osp
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from typing import Callable, Dict, List, Optional, Sequence

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)  # brl_mm of this checkout (imported after install)
STEPS = ('install', 'environment', 'cuda_tests', 'speed', 'data',
         'train_fp32', 'train_bf16')
#: Seconds each step may take on the GPU (the overall budget caps them too).
TIMEOUTS = dict(install=90, environment=60, cuda_tests=120, speed=240,
                data=60, train_fp32=100, train_bf16=100)
TRAIN_CONFIG = osp.join(REPO, 'configs', 'brl', 'synthetic_lt.py')
TRAIN_EPOCHS = 3  # DetachedScheduleHook(0.8): epochs 1-2 stage 1, 3 stage 2
LOG_TAIL = 3000  # characters of each command's output kept in the JSON
OUTPUTS = ('gpu_check.json', 'gpu_check.md', 'gpu_check.log')
#: The level-2 headings of gpu_check.md (each always present).
MARKDOWN_SECTIONS = ('Steps', 'Environment', 'CUDA tests', 'Training',
                     'Train step speed', 'BRL components', 'Loader check',
                     'Pipelines', 'DataLoader epochs', 'Targets')

SPEED_ARGS_GPU = ['--device', 'cuda', '--loader-check']
#: The dry run's bench_train_speed arguments: every section at a tiny size.
SPEED_ARGS_DRY = [
    '--device', 'cpu', '--threads', '1', '--batch-sizes', '2', '4',
    '--clip-lens', '8', '8', '--reps', '1', '--warmup', '0',
    '--component-reps', '2', '--amp-dtypes', 'bfloat16', '--compile',
    '--compile-backend', 'eager', '--pipeline-samples', '8',
    '--pipeline-rounds', '1', '--epochs', '1', '--epoch-workers', '1',
    '--loader-check', '--loader-batch', '4', '--loader-iters', '2',
    '--loader-workers', '1', '--loader-clip-len', '8'
]
DATA_ARGS_DRY = ['--num-classes', '4', '--n-max', '12',
                 '--imbalance-factor', '4', '--val-per-class', '2']


class StepFailed(Exception):
    """A step's check did not hold (the message says which)."""


class Check:
    """The state of one gpu_check run: options, folders, results.

    Args:
        args (argparse.Namespace): The command line.
    """

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.dry = args.dry_run
        self.out_dir = osp.abspath(args.out_dir)
        self.work = osp.abspath(args.work_dir or tempfile.mkdtemp(
            prefix='brl_gpu_check_'))
        os.makedirs(self.work, exist_ok=True)
        self.python = os.environ.get('PYTHON') or sys.executable
        self.site = osp.join(self.work, 'site')
        self.start = time.monotonic()
        self.deadline = self.start + args.budget
        self.report: Dict = dict(
            started=datetime.now(timezone.utc).isoformat(timespec='seconds'),
            dry_run=self.dry, budget_s=args.budget, steps={})
        self.log_path = osp.join(self.out_dir, 'gpu_check.log')

    # --------------------------------------------------------- processes
    def env(self, **extra: str) -> Dict[str, str]:
        """The environment of the commands: this checkout (and the installed
        wheels) first on ``PYTHONPATH``, unbuffered output, and
        ``BRL_GPU_CHECK=1`` (the end-to-end test of this script skips itself
        inside a check)."""
        paths = [self.site] if osp.isdir(self.site) else []
        paths += [REPO] + [p for p in os.environ.get('PYTHONPATH', '').split(
            os.pathsep) if p]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(paths),
                   PYTHONUNBUFFERED='1', PYTHON=self.python,
                   BRL_GPU_CHECK='1')  # tests/benchmarks: no recursion
        if self.dry:
            env.setdefault('OMP_NUM_THREADS', '1')
        env.update(extra)
        return env

    def run(self, name: str, cmd: Sequence[str], timeout: float,
            **env: str) -> Dict:
        """Run one command of a step in its own process group (killed as a
        whole on timeout, torchrun's workers too); its output goes to
        ``gpu_check.log``.

        Returns:
            dict: ``cmd``, ``rc`` (None on timeout), ``timed_out``,
            ``wall_s`` and ``output`` (the whole text).
        """
        start = time.monotonic()
        proc = subprocess.Popen(list(cmd), cwd=REPO, env=self.env(**env),
                                stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True,
                                start_new_session=True)
        try:
            output, _ = proc.communicate(timeout=max(timeout, 1))
            timed_out = False
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            output, _ = proc.communicate()
            timed_out = True
        wall = time.monotonic() - start
        with open(self.log_path, 'a') as f:
            f.write(f'\n===== {name}: {" ".join(cmd)}\n{output}'
                    f'===== {name}: rc {proc.returncode}, {wall:.1f} s'
                    f'{" (timed out)" if timed_out else ""}\n')
        return dict(cmd=' '.join(cmd), rc=None if timed_out else
                    proc.returncode, timed_out=timed_out, wall_s=wall,
                    output=output)

    def checked_run(self, name: str, cmd: Sequence[str], timeout: float,
                    result: Dict, **env: str) -> Dict:
        """:meth:`run`, stored in ``result['commands']``; raises
        :class:`StepFailed` on a timeout or a non-zero exit."""
        done = self.run(name, cmd, timeout, **env)
        result.setdefault('commands', []).append(
            dict(cmd=done['cmd'], rc=done['rc'], wall_s=done['wall_s'],
                 output_tail=done['output'][-LOG_TAIL:]))
        if done['timed_out']:
            raise StepFailed(f'timed out after {timeout:.0f} s: '
                             f'{done["cmd"]}')
        if done['rc'] != 0:
            raise StepFailed(f'exit status {done["rc"]}: {done["cmd"]}')
        return done

    # ------------------------------------------------------------ output
    def write(self) -> None:
        """Rewrite gpu_check.json and gpu_check.md (atomically once brl_mm
        is importable; directly when the install failed, so that the
        failure is still reported)."""
        try:
            from brl_mm.utils import dump_atomically
        except Exception as error:  # noqa: BLE001  (a failed install)
            note = f'brl_mm not importable ({error}): files written directly'
            if note not in self.report.setdefault('notes', []):
                self.report['notes'].append(note)
            dump_atomically = None
        self.report['wall_s'] = time.monotonic() - self.start
        outputs = {
            'gpu_check.json': json.dumps(self.report, indent=1, default=str),
            'gpu_check.md': render_markdown(self.report)
        }
        for name, text in outputs.items():
            path = osp.join(self.out_dir, name)
            if dump_atomically is None:
                with open(path, 'w') as f:
                    f.write(text)
            else:
                dump_atomically(text, path)

    def step(self, name: str, fn: Callable[['Check', Dict, float], None],
             skip: Optional[str] = None) -> None:
        """Run step ``fn(check, result, timeout)`` with its timeout, record
        its status (ok / failed / skipped) and rewrite the outputs."""
        remaining = self.deadline - time.monotonic() - 5
        result: Dict = dict(status='skipped')
        if skip is None and remaining < 15:
            skip = f'the budget of {self.args.budget:.0f} s is spent'
        start = time.monotonic()
        if skip is not None:
            result['reason'] = skip
        else:
            timeout = min(TIMEOUTS[name], remaining)
            result.update(status='ok', timeout_s=timeout)
            try:
                fn(self, result, timeout)
            except StepFailed as error:
                result.update(status='failed', error=str(error))
            except Exception as error:  # noqa: BLE001  (recorded, not fatal)
                result.update(status='failed',
                              error=f'{type(error).__name__}: {error}',
                              traceback=traceback.format_exc()[-LOG_TAIL:])
        result['wall_s'] = time.monotonic() - start
        self.report['steps'][name] = result
        why = result.get('error', result.get('reason'))
        print(f'[gpu_check] {name}: {result["status"]} '
              f'({result["wall_s"]:.1f} s){": " + why if why else ""}',
              flush=True)
        self.write()


# ---------------------------------------------------------------- steps
def step_install(check: Check, result: Dict, timeout: float) -> None:
    """Install the carried wheels into ``WORK/site`` (no network, no
    dependencies: torch stays the machine's)."""
    wheels = sorted(glob.glob(osp.join(check.args.wheels, '*.whl')))
    result['wheels'] = [osp.basename(w) for w in wheels]
    if not wheels:
        done = check.run('install', [check.python, '-c', 'import mmaction'],
                         timeout)
        if done['rc'] != 0:
            raise StepFailed(
                f'no wheels in {check.args.wheels} and mmaction2 is not '
                'installed: run  bash ../shared/gpu/fetch_wheels.sh .whl  '
                "in the checkout and name '.whl' in the device call's carry")
        result['notes'] = ['no wheels carried; the installed packages are '
                           'used']
        return
    check.checked_run('install', [
        check.python, '-m', 'pip', 'install', '-q', '--no-index', '--no-deps',
        '--no-compile', '--no-cache-dir', '--upgrade', '--target',
        check.site, *wheels
    ], timeout, result)
    sys.path[:0] = [check.site]


ENV_PROBE = """
import json, platform, sys, torch
import mmaction, mmcv, mmengine, numpy, brl_mm
info = dict(python=platform.python_version(), torch=torch.__version__,
            cuda=torch.version.cuda, cuda_available=torch.cuda.is_available(),
            mmaction2=mmaction.__version__, mmengine=mmengine.__version__,
            mmcv=mmcv.__version__, numpy=numpy.__version__,
            brl_mm=brl_mm.__version__, mmaction_file=mmaction.__file__)
if torch.cuda.is_available():
    props = torch.cuda.get_device_properties(0)
    info.update(gpu=props.name, gpu_count=torch.cuda.device_count(),
                gpu_memory_gib=props.total_memory / 2**30,
                cudnn=torch.backends.cudnn.version(),
                capability='%d.%d' % torch.cuda.get_device_capability())
    nccl = torch.cuda.nccl.version()
    info['nccl'] = ('.'.join(map(str, nccl)) if isinstance(nccl, tuple)
                    else str(nccl))
try:  # mmengine's Runner imports distutils (on 3.12: setuptools' copy)
    import distutils, setuptools
    info.update(distutils='importable', setuptools=setuptools.__version__)
except ImportError as error:
    info['distutils'] = f'NOT importable ({error}): the Runner will fail'
print('ENV ' + json.dumps(info))
"""


def step_environment(check: Check, result: Dict, timeout: float) -> None:
    """Versions and the GPU (nvidia-smi where present)."""
    done = check.checked_run('environment', [check.python, '-c', ENV_PROBE],
                             timeout, result)
    line = [x for x in done['output'].splitlines() if x.startswith('ENV ')]
    result['info'] = json.loads(line[-1][4:])
    if shutil.which('nvidia-smi'):
        smi = check.run('environment', [
            'nvidia-smi', '--query-gpu=name,driver_version,memory.total',
            '--format=csv,noheader'
        ], min(timeout, 30))
        result['nvidia_smi'] = smi['output'].strip()
        if smi['rc'] == 0 and smi['output'].strip():
            name, driver, memory = [
                x.strip() for x in smi['output'].splitlines()[0].split(',')
            ]
            result['info'].update(driver=driver, gpu_memory_smi=memory)
    if not check.dry and not result['info']['cuda_available']:
        raise StepFailed('torch sees no GPU (pass --dry-run on a CPU)')


def cuda_test_files(root: str) -> List[str]:
    """The test files under ``root`` that define a test with ``cuda`` in
    its name (collecting only these is what makes ``-k cuda`` quick)."""
    pattern = re.compile(r'^def test_\w*cuda', re.MULTILINE)
    found = []
    for path in sorted(glob.glob(osp.join(root, '**', 'test_*.py'),
                                 recursive=True)):
        with open(path) as f:
            if pattern.search(f.read()):
                found.append(osp.relpath(path, REPO))
    return found


def step_cuda_tests(check: Check, result: Dict, timeout: float) -> None:
    """``pytest -k cuda`` over the test files with CUDA tests; on a GPU
    nothing may be skipped."""
    junit = osp.join(check.work, 'cuda_tests.xml')
    files = cuda_test_files(osp.join(REPO, 'tests'))
    if not files:
        raise StepFailed('no test file under tests/ defines a cuda test')
    check.checked_run('cuda_tests', [
        check.python, '-m', 'pytest', *files, '-k', 'cuda', '-q',
        '-p', 'no:cacheprovider', f'--junitxml={junit}'
    ], timeout, result)
    cases = []
    for case in ET.parse(junit).getroot().iter('testcase'):
        outcome = 'passed'
        for tag in ('failure', 'error', 'skipped'):
            if case.find(tag) is not None:
                outcome = tag
        cases.append(dict(test=f"{case.get('classname')}::{case.get('name')}",
                          outcome=outcome))
    result['tests'] = cases
    skipped = [c['test'] for c in cases if c['outcome'] == 'skipped']
    result['counts'] = {
        k: sum(c['outcome'] == k for c in cases)
        for k in ('passed', 'skipped', 'failure', 'error')
    }
    if not cases:
        raise StepFailed('no test matched -k cuda')
    if skipped and not check.dry:
        raise StepFailed(f'skipped on a GPU machine: {", ".join(skipped)}')


def step_speed(check: Check, result: Dict, timeout: float) -> None:
    """bench_train_speed.py with ``--json``; what it wrote before a timeout
    is kept."""
    out = osp.join(check.work, 'speed.json')
    args = SPEED_ARGS_DRY if check.dry else SPEED_ARGS_GPU
    try:
        check.checked_run('speed', [
            check.python, osp.join('benchmarks', 'bench_train_speed.py'),
            *args, '--json', out
        ], timeout, result)
    finally:
        if osp.exists(out):
            with open(out) as f:
                result['results'] = json.load(f)


def step_data(check: Check, result: Dict, timeout: float) -> None:
    """The synthetic long-tailed dataset for the training steps."""
    pickle = osp.join(check.work, 'synthetic_lt_ntu.pkl')
    done = check.checked_run('data', [
        check.python, osp.join('tools', 'data', 'generate_synthetic_lt.py'),
        pickle, *(DATA_ARGS_DRY if check.dry else [])
    ], timeout, result)
    result.update(ann_file=pickle, summary=done['output'].strip()[-600:])


def write_train_config(check: Check, name: str) -> Dict:
    """The training config of a train step, dumped into the work folder.

    ``configs/brl/synthetic_lt.py`` on the generated pickle for
    :data:`TRAIN_EPOCHS` epochs of a 2x repeated training set, validation
    at the end, a log line every 10 iterations (each the mean of its 10),
    seed 0, and the demo's learning rate (``synthetic_lt_cpu.py``: 0.4 for
    8 x 16 samples, auto-scaled to 0.05 for one process with 16); the dry
    run shrinks it with :func:`brl_mm.testing.shrink_config` (8 channels,
    2 stages, clips of 8 frames, batches of 8), logging every iteration.
    """
    from brl_mm.testing import load_config, shrink_config
    data = check.report['steps'].get('data', {})
    if data.get('status') != 'ok':
        raise StepFailed('no data: the data step did not succeed')
    ann_file = data['ann_file']
    cfg = load_config(TRAIN_CONFIG)
    interval = 10
    if check.dry:
        shrink_config(cfg, ann_file, num_classes=4)
        interval = 1
    else:
        for split in ('train', 'val', 'test'):
            dataset = cfg[f'{split}_dataloader'].dataset
            dataset = dataset.get('dataset', dataset)  # RepeatDataset
            dataset.ann_file = ann_file
    cfg.optim_wrapper.optimizer.lr = 0.4
    cfg.train_dataloader.dataset.times = 2
    cfg.train_cfg.update(max_epochs=TRAIN_EPOCHS, val_interval=TRAIN_EPOCHS)
    cfg.param_scheduler[0].T_max = TRAIN_EPOCHS
    cfg.default_hooks.logger.interval = interval
    cfg.log_processor.window_size = interval
    cfg.default_hooks.checkpoint.update(interval=TRAIN_EPOCHS,
                                        save_best=None, max_keep_ckpts=1)
    cfg.randomness = dict(seed=0)
    path = osp.join(check.work, f'{name}.py')
    cfg.dump(path)
    return dict(config=path, batch_size=cfg.train_dataloader.batch_size,
                interval=interval,
                base_channels=cfg.model.backbone.get('base_channels', 64))


def read_train_log(work_dir: str) -> List[Dict]:
    """The records of mmengine's ``vis_data/scalars.json`` in a work dir."""
    found = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                      'scalars.json')))
    if not found:
        raise StepFailed(f'no vis_data/scalars.json under {work_dir}')
    with open(found[-1]) as f:
        return [json.loads(line) for line in f if line.strip()]


def loss_summary(records: List[Dict], switch_epoch: int) -> Dict:
    """The loss curve and whether it fell over stage 1.

    Args:
        records (list[dict]): mmengine's scalar records.
        switch_epoch (int): Last epoch (1-based, as logged) of stage 1.

    Returns:
        dict: ``curve`` ([step, epoch, loss]), ``first`` / ``last``: the mean
        of the first / last three stage-1 points, ``fell``, ``finite``.
    """
    train = [r for r in records if 'loss' in r]
    curve = [[r['step'], r['epoch'], r['loss']] for r in train]
    stage1 = [loss for _, epoch, loss in curve if epoch <= switch_epoch]
    if len(stage1) < 4:
        raise StepFailed(f'only {len(stage1)} stage-1 loss points logged')
    window = min(3, len(stage1) // 2)
    first = sum(stage1[:window]) / window
    last = sum(stage1[-window:]) / window
    return dict(curve=curve, first=first, last=last, fell=last < first,
                finite=all(math.isfinite(c[2]) for c in curve),
                points=len(curve))


def _median(values: Sequence[float]) -> Optional[float]:
    values = sorted(values)
    if not values:
        return None
    mid = len(values) // 2
    return (values[mid] if len(values) % 2 else
            (values[mid - 1] + values[mid]) / 2)


def train_step(check: Check, result: Dict, timeout: float,
               amp: Optional[str]) -> None:
    """Train through ``tools/dist_train.sh CONFIG 1`` and check the run."""
    from brl_mm.testing import free_port, load_config
    name = 'train_bf16' if amp else 'train_fp32'
    result.update(write_train_config(check, name))
    work_dir = osp.join(check.work, name)
    cmd = ['bash', osp.join('tools', 'dist_train.sh'), result['config'], '1',
           '--work-dir', work_dir]
    if amp and check.dry:
        result.setdefault('notes', []).append(
            "dry run: no --amp (mmengine's AmpOptimWrapper needs a GPU); the "
            'command is the fp32 one')
    elif amp:
        cmd += ['--amp', '--cfg-options', f'optim_wrapper.dtype={amp}']
    check.checked_run(name, cmd, timeout, result, PORT=str(free_port()))

    dumped = load_config(osp.join(work_dir, osp.basename(result['config'])))
    wrapper = dumped.optim_wrapper.get('type', 'OptimWrapper')
    result.update(backend=dumped.env_cfg.dist_cfg.backend,
                  optim_wrapper=wrapper,
                  dtype=dumped.optim_wrapper.get('dtype'))
    records = read_train_log(work_dir)
    losses = loss_summary(records, int(0.8 * TRAIN_EPOCHS + 1e-9))
    train = [r for r in records if 'loss' in r]
    later = train[1:] or train  # the first window holds the start-up
    times = [r['time'] for r in later if 'time' in r]
    data_times = [r['data_time'] for r in later if 'data_time' in r]
    memory = [r['memory'] for r in train if 'memory' in r]
    val = [r for r in records if 'loss' not in r and 'step' in r]
    result.update(
        loss=losses,
        iters=train[-1]['step'],
        ms_per_iter=1e3 * _median(times) if times else None,
        data_time_share=(_median(data_times) / _median(times)
                         if times and data_times else None),
        samples_per_s=(result['batch_size'] / _median(times)
                       if times else None),
        max_memory_mib=max(memory) if memory else None,
        val=val[-1] if val else None)
    expected = 'gloo' if check.dry else 'nccl'
    if result['backend'] != expected:
        raise StepFailed(f"backend {result['backend']}, expected {expected}")
    if amp and not check.dry and (result['optim_wrapper'] != 'AmpOptimWrapper'
                                  or result['dtype'] != amp):
        raise StepFailed(f"optimizer wrapper {result['optim_wrapper']} "
                         f"dtype {result['dtype']}, expected AmpOptimWrapper "
                         f'{amp}')
    if not losses['finite']:
        raise StepFailed('a logged loss is not finite')
    if check.dry:
        result.setdefault('notes', []).append(
            'dry run: loss trend reported, not checked (too few iterations '
            'of a tiny model)')
    elif not losses['fell']:
        raise StepFailed(f"the loss did not fall over stage 1: "
                         f"{losses['first']:.4f} -> {losses['last']:.4f}")


def step_train_fp32(check: Check, result: Dict, timeout: float) -> None:
    train_step(check, result, timeout, None)


def step_train_bf16(check: Check, result: Dict, timeout: float) -> None:
    train_step(check, result, timeout, 'bfloat16')


STEP_FUNCTIONS = dict(install=step_install, environment=step_environment,
                      cuda_tests=step_cuda_tests, speed=step_speed,
                      data=step_data, train_fp32=step_train_fp32,
                      train_bf16=step_train_bf16)


# ------------------------------------------------------------- markdown
def _fmt(value, spec: str = '.1f', suffix: str = '') -> str:
    return 'n/a' if value is None else f'{value:{spec}}{suffix}'


def _row(cells: Sequence) -> str:
    return '| ' + ' | '.join(str(c) for c in cells) + ' |'


def _table(header: Sequence[str], rows: List[Sequence]) -> List[str]:
    return [_row(header), _row(['---'] * len(header))] + [_row(r)
                                                          for r in rows]


def render_markdown(report: Dict) -> str:
    """The report as markdown tables (every section present, 'not run'
    where a step gave nothing)."""
    steps = report['steps']
    lines = [
        '# brl-mm GPU check' + (' (DRY RUN on CPU: tiny sizes, figures are '
                                'not GPU figures)' if report['dry_run'] else
                                ''), '',
        f"Started {report['started']}, {report.get('wall_s', 0):.0f} s of a "
        f"{report['budget_s']:.0f} s budget; command: "
        '`bash benchmarks/gpu_check.sh OUT_DIR'
        f"{' --dry-run' if report['dry_run'] else ''}`.", ''
    ]
    lines += [f'Note: {note}' for note in report.get('notes', [])]
    lines += ['## Steps', '']
    lines += _table(['step', 'status', 's', 'note'], [[
        name, steps.get(name, {}).get('status', 'not run'),
        _fmt(steps.get(name, {}).get('wall_s')),
        '; '.join(
            ([steps[name]['error']] if 'error' in steps.get(name, {}) else [])
            + ([steps[name]['reason']] if 'reason' in steps.get(name, {})
               else []) + steps.get(name, {}).get('notes', []))
    ] for name in STEPS])
    lines += ['', '## Environment', '']
    info = steps.get('environment', {}).get('info', {})
    lines += _table(['what', 'value'], [[k, v] for k, v in info.items()]
                    or [['environment', 'not measured']])
    lines += ['', '## CUDA tests (`pytest -k cuda`)', '']
    tests = steps.get('cuda_tests', {}).get('tests', [])
    lines += _table(['test', 'outcome'], [[t['test'], t['outcome']]
                                          for t in tests]
                    or [['-', 'not run']])
    lines += ['', '## Training through tools/dist_train.sh CONFIG 1', '']
    rows = []
    for name in ('train_fp32', 'train_bf16'):
        r = steps.get(name, {})
        loss = r.get('loss', {})
        rows.append([
            name, r.get('status', 'not run'), r.get('backend', 'n/a'),
            f"{r.get('optim_wrapper', 'n/a')} {r.get('dtype') or ''}".strip(),
            r.get('base_channels', 'n/a'), r.get('iters', 'n/a'),
            (f"{loss['first']:.3f} -> {loss['last']:.3f}"
             if loss else 'n/a'), loss.get('fell', 'n/a'),
            _fmt(r.get('ms_per_iter')), _fmt(r.get('samples_per_s')),
            _fmt(r.get('data_time_share'), '.1%'),
            _fmt(r.get('max_memory_mib'), '.0f'),
            _fmt((r.get('val') or {}).get('acc/top1'), '.3f')
        ])
    lines += _table([
        'run', 'status', 'backend', 'wrapper', 'width', 'iters',
        'stage-1 loss first -> last', 'fell', 'ms / iter', 'samples / s',
        'data wait', 'max memory MiB', 'val top1'
    ], rows)
    lines += ['', *render_speed(steps.get('speed', {}).get('results', {}))]
    return '\n'.join(lines) + '\n'


def render_speed(speed: Dict) -> List[str]:
    """The bench_train_speed sections and the issue-8 targets."""
    lines = ['## Train step speed (benchmarks/bench_train_speed.py)', '']
    tables = speed.get('steps', [])
    if not tables:
        lines.append('not measured')
    for table in tables:
        lines += [f"B={table['batch_size']}, T={table['clip_len']}, median of "
                  f"{table['rounds']} interleaved rounds:", '']
        lines += _table([
            'variant', 'ms / step', 'samples / s', 'vs stock',
            'peak step MiB', 'memory vs stock'
        ], [[
            r['variant'], _fmt(r['ms']), _fmt(r['samples_per_s']),
            _fmt(r['speed_vs_stock'], '.3f', 'x'),
            _fmt(r.get('peak_step_mib'), '.0f'),
            _fmt(r.get('memory_vs_stock'), '.3f', 'x')
        ] for r in table['rows']])
        lines.append('')
    lines += ['## BRL components on their own', '']
    lines += _table(
        ['B', 'mixup ms', 'ActionAwareLoss ms', 'CE ms', 'hook ms / step',
         'share of the stock step'],
        [[c['batch_size'], _fmt(c['mix'], '.3f'), _fmt(c['aa'], '.3f'),
          _fmt(c['ce'], '.3f'), _fmt(c['hook_step'], '.5f'),
          _fmt(c['share_pct'], '.4f', '%')]
         for c in speed.get('components', [])] or [['-'] + ['not measured'] +
                                                    [''] * 4])
    lines += ['', '## Loader check (real DataLoader feeding train steps)', '']
    lines += _table(
        ['variant', 'loader', 'workers', 'B', 'T', 'host waits for data',
         'GPU idle between steps', 'samples / s'],
        [[c['variant'], c['loader'], c['workers'], c['batch_size'],
          c.get('clip_len', 64), _fmt(c['wait_share'], '.1%'),
          _fmt(c['gpu_idle_share'], '.1%'), _fmt(c['samples_per_s'], '.0f')]
         for c in speed.get('loader_check', [])] or [['not measured'] +
                                                     [''] * 7])
    pipelines = speed.get('pipelines', {}).get('ms_per_sample', {})
    lines += ['', '## Pipelines (ms per sample, one process)', '']
    lines += _table(['pipeline', 'ms / sample'],
                    [[k, _fmt(v, '.3f')] for k, v in pipelines.items()]
                    or [['not measured', '']])
    epochs = speed.get('loader_epochs', {}).get('results', {})
    lines += ['', '## DataLoader epochs (ms per sample per worker)', '']
    lines += _table(['pipeline', 'epochs', 'one-off warm-up s'],
                    [[k, ', '.join(f'{ms:.3f}' for ms in v['ms']),
                      _fmt(v['warm_s'], '.2f')] for k, v in epochs.items()]
                    or [['not measured', '', '']])
    lines += ['', '## Targets (issue 8)', '', *targets(speed)]
    return lines


def targets(speed: Dict) -> List[str]:
    """One line per issue-8 target: met or missed, and by how much."""
    lines = []
    for c in speed.get('components', []):
        ok = c['share_pct'] <= 1.0
        lines.append(f"- BRL components <= 1% of a stock step at B="
                     f"{c['batch_size']}: {c['share_pct']:.4f}% "
                     f"({'met' if ok else 'MISSED'})")
    for table in speed.get('steps', []):
        batch = table['batch_size']
        rows = {r['variant']: r for r in table['rows']}
        same = rows.get('BRL recipe fp32 (same math)') or {}
        brl = [r for name, r in rows.items() if name.startswith('BRL recipe')]
        if brl:
            best = max(brl, key=lambda r: r['speed_vs_stock'])
            lines.append(
                f'- BRL recipe >= 2x stock samples/s at B={batch}: fp32 '
                f"(same math) {_fmt(same.get('speed_vs_stock'), '.2f')}x, "
                f"best {best['speed_vs_stock']:.2f}x ({best['variant']}) "
                f"({'met' if best['speed_vs_stock'] >= 2 else 'MISSED'})")
        if same.get('memory_vs_stock') is not None:
            memory = same['memory_vs_stock']
            verdict = 'met' if memory <= 1 else 'MISSED'
            lines.append(f'- peak memory <= stock at B={batch}: BRL fp32 '
                         f'{memory:.3f}x of stock ({verdict})')
    return lines or ['- not measured']


# ------------------------------------------------------------------ main
def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='brl-mm GPU check: CUDA tests, NCCL training in fp32 '
        'and bf16, speed next to stock mmaction2; JSON + markdown into '
        'OUT_DIR.')
    parser.add_argument('out_dir', help='where gpu_check.json / .md / .log '
                        'go (created)')
    parser.add_argument('--dry-run', action='store_true',
                        help='every step on the CPU at a tiny size (CI)')
    parser.add_argument('--steps', nargs='+', choices=STEPS, default=None,
                        help='run only these steps (install and environment '
                        'always run; data runs when a training step does)')
    parser.add_argument('--budget', type=float, default=470.0,
                        help='seconds for the whole check (default 470)')
    parser.add_argument('--wheels', default=osp.join(REPO, '.whl'),
                        help='folder of the carried wheels (default .whl)')
    parser.add_argument('--work-dir', default=None,
                        help='work folder (default: a temporary one, '
                        'removed at the end)')
    parser.add_argument('--force', action='store_true',
                        help='replace an earlier report in OUT_DIR')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    existing = [n for n in OUTPUTS if osp.exists(osp.join(args.out_dir, n))]
    if existing and not args.force:
        print(f'error: {args.out_dir} already holds {", ".join(existing)} '
              'of an earlier check; pass --force to replace them or give '
              'another OUT_DIR', file=sys.stderr)
        return 2
    os.makedirs(args.out_dir, exist_ok=True)
    for name in existing:
        os.remove(osp.join(args.out_dir, name))
    check = Check(args)
    selected = set(args.steps or STEPS) | {'install', 'environment'}
    if selected & {'train_fp32', 'train_bf16'}:
        selected.add('data')
    try:
        for name in STEPS:
            skip = None
            if name not in selected:
                skip = 'not selected (--steps)'
            elif name == 'install' and check.dry:
                skip = 'dry run: the packages at hand are used'
            check.step(name, STEP_FUNCTIONS[name], skip)
    finally:
        if args.work_dir is None:
            shutil.rmtree(check.work, ignore_errors=True)
    failed = [n for n, r in check.report['steps'].items()
              if r['status'] == 'failed']
    print(render_markdown(check.report))
    print(f'[gpu_check] {"FAILED: " + ", ".join(failed) if failed else "ok"}'
          f'; wrote {", ".join(OUTPUTS)} in {check.out_dir} '
          f"({check.report['wall_s']:.0f} s)")
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
