"""benchmarks/bench_data_scale.py keeps working (tiny data, in process)."""
import argparse
import importlib.util
import os

from brl_mm.datasets import generate_synthetic_lt, write_skeleton_store
from brl_mm.testing import REPO


def _bench():
    path = os.path.join(REPO, 'benchmarks', 'bench_data_scale.py')
    spec = importlib.util.spec_from_file_location('bench_data_scale', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_start_up_and_fetch_of_both_sources(tmp_path):
    bench = _bench()
    pkl = str(tmp_path / 's.pkl')
    data = generate_synthetic_lt(pkl, num_classes=3, n_max=6,
                                 imbalance_factor=2, val_per_class=1,
                                 min_frames=8, max_frames=10)
    store = write_skeleton_store(str(tmp_path / 'st'), data['annotations'],
                                 data['split'], data['classes'])
    results = []
    for source in ('pickle', 'store'):
        args = argparse.Namespace(
            pickle=pkl, store=store, source=source, workers=0,
            split='xsub_train', layout='nturgb+d', clip_len=8,
            pipeline='light', batch_size=4, fetch_samples=5)
        results.append(bench.child(args))
    for r in results:
        assert r['samples'] == len(data['split']['xsub_train'])
        assert r['fetch_samples'] == 5
        assert r['main_after_init']['rss'] > 0 and r['startup_s'] > 0
    # the store's serialized data list is the 25-byte row per sample
    n = len(data['split']['xsub_train'])
    assert results[1]['serialized_mib'] * 2**20 == 25 * n
    table = bench.table(results)
    assert table.count('\n| pickle |') == 1 and f'| store | {n} | 0 |' in table
