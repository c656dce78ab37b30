"""Zoo names from the metafiles: which entries have an official BRL
checkpoint, where it comes from and the top-1 it should reach."""
import os.path as osp

import pytest
import yaml

from brl_mm.testing import REPO
from brl_mm.zoo import get_zoo_entry, zoo_entries

DRIVE = 'https://drive.google.com/drive/folders/'
#: BRL README (firework8/BRL @ 8ec5c59): ST-GCN++ release folders.
FOLDERS = {
    'ntu60-xsub-lt100': '1ksC002PtEMxCt8A5l5ftqSN9guBzJxy0',
    'ntu60-xview-lt100': '1KrtXE1tdJGVJz2ixWpR6Vd7l5qzAf8TV',
    'ntu120-xsub-lt100': '1Lgnm_phTSM1fniYHONfzahJBdJZm36IV',
    'ntu120-xset-lt100': '1L1mmgp-RtifmXTiWTNBU21e6Q3r7QV4i',
    'k400': '1xIFYdvACmDy2aLr4EvuuVNAsobze0-SY',
}
STREAMS = dict(j='joint', b='bone', k='skip', jm='joint motion',
               bm='bone motion', km='skip motion')


def paper_top1(entry):
    """``Paper Top 1 Accuracy`` of the entry's metafile Results, if any."""
    for rel in yaml.safe_load(open(osp.join(REPO, 'model-index.yml')))[
            'Import']:
        for model in yaml.safe_load(open(osp.join(REPO, rel)))['Models']:
            if model['Name'] == entry.name:
                for result in model.get('Results', []):
                    return result['Metrics'].get('Paper Top 1 Accuracy')
    return None


def test_official_entries():
    official = zoo_entries(official_only=True)
    names = {e.name for e in official}
    # 4 NTU benchmarks x 6 streams, K400 j/b/jm/bm, CTR-GCN and MS-G3D (BFL)
    # and the headline config
    assert len(official) == 24 + 4 + 2 + 1
    assert {'brl_ctrgcn_ntu60-xsub-lt100_j', 'brl_msg3d_ntu60-xsub-lt100_j',
            'brl_stgcnpp_ntu60-xsub-lt100_j_headline',
            'brl_stgcnpp_k400_bm'} <= names
    assert 'brl_stgcnpp_k400_k' not in names  # BRL released no K400 skip
    assert 'brl_aagcn_ntu60-xsub-lt100_j' not in names
    for entry in official:
        assert osp.isfile(entry.config_path), entry.name
        assert entry.source.startswith(DRIVE)
        assert entry.sha256 is None  # unknown: never invented
        assert 0 < entry.expected_top1 < 100
        paper = paper_top1(entry)
        if paper is not None:  # the same number as the paper column
            assert entry.expected_top1 == paper, entry.name
        if entry.name.startswith('brl_stgcnpp_'):
            bench, stream = entry.name.split('_')[2:4]
            assert entry.source == DRIVE + FOLDERS[bench]
            assert entry.stream == STREAMS[stream]
            assert entry.released_config.endswith(f'/{stream}.py')
    by_name = {e.name: e for e in official}
    assert by_name['brl_stgcnpp_ntu60-xsub-lt100_km'].expected_top1 == 73.48
    assert by_name['brl_stgcnpp_k400_b'].expected_top1 == 45.2
    assert by_name['brl_msg3d_ntu60-xsub-lt100_j'].expected_top1 == 78.0


def test_every_metafile_entry_is_a_name():
    entries = zoo_entries()
    assert len(entries) > 100
    entry = get_zoo_entry('synthetic_lt_cpu')
    assert entry.config == 'configs/brl/synthetic_lt_cpu.py'
    assert not entry.has_official_checkpoint
    assert get_zoo_entry('brl://synthetic_lt_cpu') == entry


def test_unknown_name_suggests_close_ones():
    with pytest.raises(KeyError, match='Did you mean.*'
                       'brl_stgcnpp_ntu60-xsub-lt100_j'):
        get_zoo_entry('brl_stgcnpp_ntu60-xsub-lt100_jj')
