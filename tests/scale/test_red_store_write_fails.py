"""A model store that cannot take an entry (disk full, a directory where the entry goes)
must not fail the run that just trained its models: the store is a cache. The run stopped
with exit 2 after training, its advice 'choose a writable run directory (hydra.run.dir=...)'
pointing at the wrong directory, and every later run of a sweep sharing the store trained
again and failed the same way."""

from __future__ import annotations

import logging

import pytest

from mia_defense.cli.build import run
from mia_defense.training.checkpoints import checkpoint_path
from tests.helpers import LEAN_ATTACKS
from tests.scale.sweeps import TINY

LEAN = (*TINY, *LEAN_ATTACKS)


@pytest.mark.slow  # 1-5 s (two runs): make test-slow
def test_an_entry_that_cannot_be_written_leaves_the_run_to_finish(make_cfg, tmp_path, caplog):
    store = tmp_path / "store"
    cfg = make_cfg(*LEAN, f"cache_dir={store}")
    run(cfg, tmp_path / "first")
    (entry,) = store.glob("*.pt")
    # the weights' place taken by a non-empty directory: the entry is distrusted, the models
    # trained again, and writing them there fails (as on a full disk)
    entry.unlink()
    entry.mkdir()
    (entry / "keep").write_text("x")
    caplog.set_level(logging.WARNING, logger="mia_defense.store")
    result = run(cfg, tmp_path / "second")
    assert result.training["reused"] == 0
    assert all(checkpoint_path(tmp_path / "second" / "checkpoints", k).exists()
               for k in range(2))
    assert f"model store entry {entry} not written" in caplog.text
    assert "cache_dir=null" in caplog.text and "hydra.run.dir" not in caplog.text
    assert (entry / "keep").read_text() == "x"  # nothing of the user's removed
