"""A disk that is full when a run starts: writing the holder line into the run directory's
lock ended mia-train (and mia-attack) in an OSError traceback ('No space left on device'
from os.pwrite), the only write of a run not done through atomic_write. Now it is the
`DataError` naming the lock, one line, as for results.json. The model store's lock (a
sweep's cache_dir) did the same: now its run goes on holding the lock without the line."""

from __future__ import annotations

import errno
import fcntl
import os

import pytest

from mia_defense.errors import DataError
from mia_defense.tracking.run_dir import claim_run_dir, killed_words, killed_writer, mark_run


def test_a_full_disk_at_the_lock_is_one_line_naming_it(tmp_path, monkeypatch):
    def full(fd, data, offset):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "pwrite", full)
    run_dir = tmp_path / "run"
    with pytest.raises(DataError) as exc, claim_run_dir(run_dir):
        pytest.fail("the run went on")
    assert str(exc.value) == (
        f"{run_dir / '.lock'}: cannot write it (No space left on device); free disk space or "
        "choose a writable run directory (hydra.run.dir=...)"
    )


def test_a_full_disk_at_a_model_store_lock_goes_on_holding_it(tmp_path, monkeypatch):
    # (the holder line only names the holder to a waiting run: a sweep's run using the
    # store, cache_dir, ended in the same traceback where the store is a cache)
    from mia_defense.store import ModelStore

    def full(fd, data, offset):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "pwrite", full)
    store = ModelStore(tmp_path / "store")
    with store._locked("0" * 64, what="target models"):
        other = os.open(tmp_path / "store" / f"{'0' * 64}.lock", os.O_RDONLY)
        try:
            with pytest.raises(BlockingIOError):  # held
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(other)


def test_a_failure_the_full_disk_kept_from_results_json_is_not_called_a_kill(tmp_path):
    # results.json's 'failed' needs a new file (atomic_write; experiment._mark_failed lets
    # its error go): on a disk full to the last block it stays 'running', and mia-report,
    # mia-attack and a resume of another config said the run 'was killed (SIGKILL, the OOM
    # killer or a crash)'
    run_dir = tmp_path / "run"
    with claim_run_dir(run_dir):
        mark_run(run_dir, status="running", config={"seed": 0}, data_fingerprint=None)
    said = killed_words(killed_writer(run_dir))  # (mia-report's, mia-attack's words)
    assert "or stopped by an error it could not record there (a full disk" in said


def test_a_full_disk_at_a_sweeps_start_is_one_line_and_keeps_its_record(tmp_path, monkeypatch,
                                                                        caplog):
    # Hydra writes multirun.yaml in place: a traceback, and the record of the sweep resumed
    # left empty
    from mia_defense.cli.run_dirs import keep_earlier_sweep_records

    record = "hydra:\n  mode: MULTIRUN\n"
    (tmp_path / "multirun.yaml").write_text(record)

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(SystemExit) as stopped:
        keep_earlier_sweep_records(tmp_path, record)
    assert stopped.value.code == 2
    assert (f"DataError: {tmp_path / 'multirun.yaml'}: cannot write it (No space left on "
            "device); nothing was run. Free disk space or choose a writable hydra.sweep.dir"
            ) in caplog.text  # fmt: skip
    assert sorted(p.name for p in tmp_path.iterdir()) == ["multirun.yaml"]
    assert (tmp_path / "multirun.yaml").read_text() == record
