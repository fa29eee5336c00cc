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


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
def test_mia_attacks_log_file_on_a_full_disk_is_said_once(tmp_path):
    # mia-train's guard was its own: mia-attack printed a '--- Logging error ---' traceback
    # for each log line its attack.log could not take, and ended as if all were well
    from tests.helpers import LEAN_ATTACKS, mia_attack, synthetic_observations

    synthetic_observations(num_models=4, num_samples=60, num_classes=3).save(tmp_path / "o.npz")
    done = mia_attack("o.npz", *LEAN_ATTACKS, "hydra.run.dir=run",
                      "hydra.job_logging.handlers.file.filename=/dev/full", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Logging error" not in done.stderr
    assert done.stderr.count("DataError: cannot write the log file /dev/full (No space left on "
                             "device); its log lines go to the console only") == 1
    assert done.stderr.strip().splitlines()[-1].startswith(
        "DataError: the log file(s) /dev/full could not be written (see above)")
    assert (tmp_path / "run" / "results.json").is_file()
