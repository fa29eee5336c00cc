"""A store entry whose weights do not fit the model the run builds (the key cannot see a
change: a module your model's file imports edited, which README says is not followed) was
written into the run's checkpoints and the run stopped: 'checkpoint .../model_0000.pt does
not fit this model ...; delete it to retrain that model'. Deleting it did not help (the
store wrote it again on the next start). Such an entry is now distrusted like a corrupt
one: logged, trained again, and replaced."""

from __future__ import annotations

import logging

import pytest

from mia_defense.cli.build import run
from mia_defense.pipeline import train as train_module
from mia_defense.store import store_key
from tests.helpers import LEAN_ATTACKS
from tests.scale.sweeps import TINY, computed

LEAN = (*TINY, *LEAN_ATTACKS)


@pytest.mark.slow  # 1-5 s (two runs): make test-slow
def test_an_entry_that_does_not_fit_the_model_is_trained_again(
    make_cfg, tmp_path, monkeypatch, caplog
):
    # a key blind to the model's width, as it is to a module the model's file imports
    monkeypatch.setattr(train_module, "store_key", lambda config, **kw: store_key(
        {**config, "model": None}, **kw))  # fmt: skip
    store = tmp_path / "store"
    run(make_cfg(*LEAN, f"cache_dir={store}", "model.hidden=[64]"), tmp_path / "wide")
    caplog.set_level(logging.WARNING, logger="mia_defense.store")
    result = run(make_cfg(*LEAN, f"cache_dir={store}", "model.hidden=[32]"), tmp_path / "narrow")
    assert result.training["reused"] == 0
    assert "is not used: model 0 does not fit this model" in caplog.text
    # the entry now holds the models this code trains, and is reused
    again = run(make_cfg(*LEAN, f"cache_dir={store}", "model.hidden=[32]"), tmp_path / "again")
    assert again.training["reused"] == 2
    # and the models trained again are those a run without the store trains
    run(make_cfg(*LEAN, "cache_dir=null", "model.hidden=[32]"), tmp_path / "alone")
    assert computed(tmp_path / "alone") == computed(tmp_path / "narrow")
