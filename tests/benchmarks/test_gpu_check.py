"""benchmarks/gpu_check.sh: its pieces on hand-made inputs, and the whole
check end to end as ``--dry-run`` on the CPU (what CI keeps working)."""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest

from brl_mm.testing import PYTHON, REPO

sys.path.insert(0, osp.join(REPO, 'benchmarks'))
import gpu_check as G  # noqa: E402


# ------------------------------------------------------------ loss check
def _records(losses, epochs):
    return ([dict(step=i + 1, epoch=e, loss=v, time=0.5, data_time=0.1)
             for i, (v, e) in enumerate(zip(losses, epochs))] +
            [{'acc/top1': 0.4, 'step': 3}])  # a validation record


def test_loss_summary_compares_the_ends_of_stage_1():
    # stage 1 = epochs 1 and 2; epoch 3 (stage 2) is left out of the check
    losses = [3.0, 2.8, 2.6, 2.5, 2.0, 1.9, 1.6, 9.0]
    epochs = [1, 1, 1, 1, 2, 2, 2, 3]
    s = G.loss_summary(_records(losses, epochs), switch_epoch=2)
    assert s['first'] == pytest.approx((3.0 + 2.8 + 2.6) / 3)
    assert s['last'] == pytest.approx((2.0 + 1.9 + 1.6) / 3)
    assert s['fell'] and s['finite'] and s['points'] == 8
    assert s['curve'][-1] == [8, 3, 9.0]


def test_loss_summary_flags_a_flat_or_nan_loss():
    flat = G.loss_summary(_records([2.0, 2.1, 2.0, 2.1, 2.2, 2.1],
                                   [1] * 6), switch_epoch=2)
    assert flat['first'] == pytest.approx(6.1 / 3)
    assert flat['last'] == pytest.approx(6.4 / 3) and not flat['fell']
    nan = G.loss_summary(_records([2.0, 1.9, 1.8, float('nan'), 1.0],
                                  [1] * 5), switch_epoch=1)
    assert not nan['finite']
    assert nan['first'] == pytest.approx((2.0 + 1.9) / 2)  # window 5 // 2
    with pytest.raises(G.StepFailed, match='only 3 stage-1'):
        G.loss_summary(_records([2.0, 1.0, 0.5], [1] * 3), switch_epoch=1)


def test_read_train_log_reads_mmengine_scalars(tmp_path):
    with pytest.raises(G.StepFailed, match='no vis_data/scalars.json'):
        G.read_train_log(str(tmp_path))
    folder = tmp_path / '20260101_000000' / 'vis_data'
    folder.mkdir(parents=True)
    (folder / 'scalars.json').write_text(
        '{"loss": 1.5, "step": 10, "epoch": 1}\n\n{"acc/top1": 0.5, '
        '"step": 1}\n')
    assert G.read_train_log(str(tmp_path)) == [
        dict(loss=1.5, step=10, epoch=1), {'acc/top1': 0.5, 'step': 1}
    ]


# ------------------------------------------------------ targets, markdown
SPEED = dict(
    steps=[dict(batch_size=16, clip_len=64, rounds=30, stock_ms=20.0, rows=[
        dict(variant='stock mmaction2 fp32', ms=20.0, ms_min=19.0,
             samples_per_s=800.0, speed_vs_stock=1.0, peak_step_mib=100.0,
             memory_vs_stock=1.0),
        dict(variant='BRL recipe fp32 (same math)', ms=16.0, ms_min=15.0,
             samples_per_s=1000.0, speed_vs_stock=1.25, peak_step_mib=90.0,
             memory_vs_stock=0.9),
        dict(variant='BRL recipe bf16', ms=8.0, ms_min=7.5,
             samples_per_s=2000.0, speed_vs_stock=2.5, peak_step_mib=60.0,
             memory_vs_stock=0.6),
    ])],
    components=[dict(batch_size=16, mix=0.1, aa=0.2, ce=0.1, hook_step=1e-4,
                     share_pct=1.5)])


def test_targets_say_met_or_missed_with_the_figures():
    assert G.targets(SPEED) == [
        '- BRL components <= 1% of a stock step at B=16: 1.5000% (MISSED)',
        '- BRL recipe >= 2x stock samples/s at B=16: fp32 (same math) '
        '1.25x, best 2.50x (BRL recipe bf16) (met)',
        '- peak memory <= stock at B=16: BRL fp32 0.900x of stock (met)',
    ]
    assert G.targets({}) == ['- not measured']


def test_markdown_has_every_section_when_nothing_ran():
    report = dict(started='2026-01-01T00:00:00+00:00', dry_run=False,
                  budget_s=470.0, wall_s=1.0, steps={})
    text = G.render_markdown(report)
    for heading in G.MARKDOWN_SECTIONS:
        assert f'\n## {heading}' in text
    assert '| train_fp32 | not run |' in text
    assert text.count('not measured') >= 6


# ------------------------------------------------------------- the runner
def test_finds_the_test_files_that_define_gpu_tests(tmp_path):
    (tmp_path / 'sub').mkdir()
    (tmp_path / 'sub' / 'test_a.py').write_text('def test_cuda_x():\n  pass\n')
    (tmp_path / 'test_b.py').write_text('def test_cpu():\n  "cuda"\n')
    (tmp_path / 'test_c.py').write_text('x = 1\ndef test_on_cuda():\n  pass\n')
    found = G.cuda_test_files(str(tmp_path))
    assert [osp.basename(f) for f in found] == ['test_a.py', 'test_c.py']


def test_a_failing_step_is_recorded_and_the_rest_still_run(tmp_path):
    check = G.Check(G.parse_args([str(tmp_path / 'out'), '--dry-run',
                                  '--work-dir', str(tmp_path / 'w')]))
    os.makedirs(check.out_dir)

    def broken(check, result, timeout):
        raise ValueError('bad thing')

    def fails_a_check(check, result, timeout):
        check.checked_run('data', [PYTHON, '-c', 'import sys; sys.exit(3)'],
                          timeout, result)

    def fine(check, result, timeout):
        result['figure'] = 42

    check.step('environment', broken)
    check.step('data', fails_a_check)
    check.step('speed', fine)
    check.step('cuda_tests', fine, skip='not selected (--steps)')
    steps = json.loads((tmp_path / 'out' / 'gpu_check.json').read_text())[
        'steps']
    assert steps['environment']['status'] == 'failed'
    assert steps['environment']['error'] == 'ValueError: bad thing'
    assert 'raise ValueError' in steps['environment']['traceback']
    assert steps['data']['status'] == 'failed'
    assert steps['data']['error'].startswith('exit status 3')
    assert steps['data']['commands'][0]['rc'] == 3
    assert steps['speed'] == dict(status='ok', timeout_s=G.TIMEOUTS['speed'],
                                  figure=42, wall_s=steps['speed']['wall_s'])
    assert steps['cuda_tests']['status'] == 'skipped'
    check.deadline = 0  # the budget is spent: the next step is skipped
    check.step('train_fp32', fine)
    assert check.report['steps']['train_fp32']['status'] == 'skipped'
    assert 'budget' in check.report['steps']['train_fp32']['reason']


def test_a_command_over_its_timeout_is_killed(tmp_path):
    check = G.Check(G.parse_args([str(tmp_path), '--dry-run', '--work-dir',
                                  str(tmp_path / 'w')]))
    done = check.run('speed', [PYTHON, '-c', 'import time; time.sleep(60)'],
                     timeout=1)
    assert done['timed_out'] and done['rc'] is None
    assert '(timed out)' in (tmp_path / 'gpu_check.log').read_text()


def test_an_earlier_report_is_kept_without_force(tmp_path, capsys):
    (tmp_path / 'gpu_check.json').write_text('{}')
    assert G.main([str(tmp_path), '--dry-run']) == 2
    assert '--force' in capsys.readouterr().err
    assert (tmp_path / 'gpu_check.json').read_text() == '{}'


def test_usage_error_without_out_dir():
    proc = subprocess.run(['bash', osp.join(REPO, 'benchmarks/gpu_check.sh')],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and 'usage' in proc.stderr


# ------------------------------------------------------------ end to end
@pytest.mark.slow
@pytest.mark.skipif(bool(os.environ.get('BRL_GPU_CHECK')),
                    reason='inside a gpu_check run (no recursion)')
def test_dry_run_end_to_end(tmp_path):
    out = tmp_path / 'out'
    env = dict(os.environ, PYTHON=PYTHON, OMP_NUM_THREADS='1')
    proc = subprocess.run([
        'bash', osp.join(REPO, 'benchmarks/gpu_check.sh'), str(out),
        '--dry-run', '--work-dir', str(tmp_path / 'work')
    ], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert sorted(os.listdir(out)) == sorted(G.OUTPUTS)
    report = json.loads((out / 'gpu_check.json').read_text())
    steps = report['steps']
    assert report['dry_run'] and list(steps) == list(G.STEPS)
    assert {n: r['status'] for n, r in steps.items()} == dict(
        {n: 'ok' for n in G.STEPS}, install='skipped')

    assert steps['environment']['info']['torch']
    assert steps['cuda_tests']['counts']['passed'] >= 1
    assert any('host_sync' in t['test'] for t in steps['cuda_tests']['tests'])
    speed = steps['speed']['results']
    assert set(speed) >= {'environment', 'steps', 'components',
                          'loader_check', 'pipelines', 'loader_epochs'}
    assert [t['batch_size'] for t in speed['steps']] == [2, 4]
    variants = [r['variant'] for r in speed['steps'][0]['rows']]
    assert variants[0] == 'stock mmaction2 fp32'
    assert 'BRL recipe bf16 + compile(backbone)' in variants
    assert all(r['samples_per_s'] > 0 for r in speed['steps'][0]['rows'])
    assert [c['loader'] for c in speed['loader_check']] == ['stock',
                                                            'BRL config']
    for name in ('train_fp32', 'train_bf16'):
        train = steps[name]
        assert train['backend'] == 'gloo'
        assert train['iters'] == 21  # 3 epochs x ceil(2 x 26 / 8)
        assert train['loss']['finite'] and train['loss']['points'] == 21
        assert train['val']['acc/top1'] is not None

    text = (out / 'gpu_check.md').read_text()
    for heading in G.MARKDOWN_SECTIONS:
        assert f'\n## {heading}' in text
    assert '| failed |' not in text
    log = (out / 'gpu_check.log').read_text()
    assert 'tools/dist_train.sh' in log and 'bench_train_speed.py' in log
    assert '[gpu_check] ok' in proc.stdout
