"""Issue 16 item 8 and the mistyping pass, in-process: run_cli ends a user
error with one `error:` line (exit 2) and lets bugs raise; check_cfg_options
refuses likely typos and lets new keys through with a note."""
import pytest
from mmengine.config import Config

from brl_mm.engine.launch import (ConfigOptionError, check_cfg_options,
                                  run_cli)


def _raise(error):
    def main(argv):
        raise error
    return main


def test_user_error_ends_with_its_summary(capsys):
    assert run_cli(_raise(ValueError('what to fix\ndetail 1\ndetail 2'))) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == 'error: what to fix'
    assert err[:2] == ['detail 1', 'detail 2']
    assert 'Traceback' not in '\n'.join(err)


def test_registry_typo_is_a_user_error(capsys):
    error = KeyError('STGCNN is not in the mmaction::model registry.')
    assert run_cli(_raise(error)) == 2
    assert capsys.readouterr().err.strip().endswith(
        'error: STGCNN is not in the mmaction::model registry.')


def test_bugs_keep_their_traceback():
    with pytest.raises(RuntimeError):
        run_cli(_raise(RuntimeError('a bug')))
    with pytest.raises(KeyError):
        run_cli(_raise(KeyError('some_key')))
    assert run_cli(lambda argv: None) == 0


CFG = dict(train_dataloader=dict(batch_size=8, dataset=dict(
    pipeline=[dict(type='A', clip_len=8)])), model=dict(num_classes=4))


@pytest.mark.parametrize('key, message', [
    ('train_dataloader.batchsize', 'did you mean train_dataloader.batch_size'),
    ('modle.num_classes', 'did you mean model?'),
    ('train_dataloader.dataset.pipeline.3.clip_len', 'has 1 entries, no '
     'index 3'),
    ('model.num_classes.x', 'model.num_classes is int 4, it has no x'),
])
def test_typos_are_refused(key, message):
    with pytest.raises(ConfigOptionError, match=message):
        check_cfg_options(Config(CFG), {key: 1})


def test_existing_and_new_keys_pass():
    cfg = Config(CFG)
    assert check_cfg_options(cfg, {
        'train_dataloader.batch_size': 4,
        'train_dataloader.dataset.pipeline.0.clip_len': 16,
    }) == []
    notes = check_cfg_options(cfg, {'model.dropout_ratio': 0.5})
    assert notes == ['--cfg-options model.dropout_ratio adds '
                     'model.dropout_ratio, which the config did not have']
    assert check_cfg_options(cfg, None) == []
