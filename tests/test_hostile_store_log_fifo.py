"""Hostile: a fixed log file path (hydra.job_logging.handlers.file.filename) that is a
FIFO nothing reads: the check that it can be appended to opened it and waited forever (the
run hung before it started, with no word)."""

from __future__ import annotations

import os
import threading

import pytest
from omegaconf import OmegaConf

from mia_defense.cli.run_dirs import require_writable_log_files


def _config(filename):
    return OmegaConf.create({"hydra": {"job_logging": {"handlers": {"file": {
        "class": "logging.FileHandler", "filename": str(filename)}}}}})


def test_a_fifo_nothing_reads_is_refused_at_once(tmp_path, caplog):
    fifo = tmp_path / "log.fifo"
    os.mkfifo(fifo)
    outcome = []

    def check():
        try:
            require_writable_log_files(_config(fifo), made=None)
        except SystemExit as exc:
            outcome.append(exc.code)

    worker = threading.Thread(target=check, daemon=True)
    worker.start()
    worker.join(10)
    if worker.is_alive():  # let the blocked open go: a reader on the FIFO
        os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
        pytest.fail("the check waited on the FIFO")
    assert outcome == [2]
    assert (f"hydra.job_logging.handlers.file.filename={fifo}: cannot write a log file there "
            "(a FIFO that nothing reads: the run would wait on it forever); nothing was run"
            ) in caplog.text


def test_a_writable_file_and_a_new_one_pass(tmp_path):
    (tmp_path / "old.log").write_text("kept\n")
    require_writable_log_files(_config(tmp_path / "old.log"), made=None)
    require_writable_log_files(_config(tmp_path / "new.log"), made=None)
    assert (tmp_path / "old.log").read_text() == "kept\n" and (tmp_path / "new.log").exists()


def test_a_run_log_that_is_a_hard_link_is_refused(tmp_path, caplog):
    """A run copied with cp -al shares its train.log with the original: resuming the copy
    appended its log to the original run's."""
    from mia_defense.cli.run_dirs import refuse_odd_log_files

    original, copy = tmp_path / "run", tmp_path / "copy"
    original.mkdir()
    copy.mkdir()
    (original / "train.log").write_text("the original's log\n")
    (copy / "train.log").hardlink_to(original / "train.log")
    config = OmegaConf.create({"hydra": {
        "runtime": {"output_dir": "???"},
        "job_logging": {"handlers": {"file": {
            "class": "logging.FileHandler",
            "filename": "${hydra.runtime.output_dir}/train.log"}}}}})
    refuse_odd_log_files(config, [original / "missing"], key="hydra.run.dir")  # none: passes
    with pytest.raises(SystemExit):
        refuse_odd_log_files(config, [copy], key="hydra.run.dir")
    assert (f"{copy / 'train.log'}: the run's log file (hydra.job_logging.handlers.file."
            "filename) is a hard link (2 names for one file): the log would be appended to "
            "the other file too; nothing was run") in caplog.text
    assert (original / "train.log").read_text() == "the original's log\n"


def test_a_sweep_record_that_is_a_hard_link_is_refused(tmp_path, caplog):
    """Hydra writes multirun.yaml over the old one in place: in a sweep folder copied with
    cp -al it rewrote the original sweep's record as well."""
    from mia_defense.cli.run_dirs import keep_earlier_sweep_records

    original, copy = tmp_path / "sweep", tmp_path / "copy"
    original.mkdir()
    copy.mkdir()
    (original / "multirun.yaml").write_text("the original's record\n")
    (copy / "multirun.yaml").hardlink_to(original / "multirun.yaml")
    with pytest.raises(SystemExit):
        keep_earlier_sweep_records(copy, "another record\n")
    assert (f"{copy / 'multirun.yaml'} is a hard link (2 names for one file): the sweep would "
            "write its multirun.yaml over the other file too; nothing was run") in caplog.text
    assert (original / "multirun.yaml").read_text() == "the original's record\n"
