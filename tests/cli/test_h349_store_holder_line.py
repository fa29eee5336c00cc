"""A lock's holder line is written by whoever can write the run's folder or the model store,
and reaches the user's terminal: the early refusal of a run directory in use
(`cli.run_dirs.refuse_in_use`) and the model store's waiting line (``waiting_for``, said
again by the kept line after Ctrl-C) read it through `tracking.run_dir.holder_line`,
control characters as spaces, like the run lock's other readers (test_lock_holder_line)."""

import fcntl
import logging
import os
from types import SimpleNamespace

import pytest

import mia_defense.store as store
from mia_defense.cli.run_dirs import refuse_in_use
from tests.helpers import hold_run_lock

FORGED = "pid 1 on \x1b]0;owned\x07here since T\n"
SHOWN = "pid 1 on  ]0;owned here since T"


def test_a_store_lock_holder_line_is_printable(tmp_path, monkeypatch):
    def flock(fd, operation):
        raise BlockingIOError if operation & fcntl.LOCK_NB else KeyboardInterrupt

    monkeypatch.setattr(store, "fcntl", SimpleNamespace(
        flock=flock, LOCK_EX=fcntl.LOCK_EX, LOCK_NB=fcntl.LOCK_NB))
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / ("0" * 64 + ".lock")).write_text(FORGED)
    models = store.ModelStore(tmp_path / "store")
    with pytest.raises(KeyboardInterrupt):
        models.train_once(("0" * 64, {}), lambda: None, checkpoint_dir=tmp_path / "c",
                          fingerprint=None, num_models=2, stage="model")
    assert models.loading["model"]["waiting_for"] == SHOWN


def test_a_run_dir_in_use_refusal_shows_its_holder_printable(tmp_path, caplog):
    fd = hold_run_lock(tmp_path)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, FORGED.encode(), 0)
        with caplog.at_level(logging.ERROR), pytest.raises(SystemExit):
            refuse_in_use(str(tmp_path))
    finally:
        os.close(fd)
    assert f"in use by {SHOWN};" in caplog.text
