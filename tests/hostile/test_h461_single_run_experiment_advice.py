"""A single run whose HParams experiment config (tb/*.experiment, written as the run ends)
cannot be written, its disk full, was told to 'make the directory writable, then run the
sweep again' (a file size limit: 'a new hydra.sweep.dir, then run the sweep again'): there
is no sweep, and a new folder retrains the run. Running the same command again skips the
finished run and writes the file, which is what it is told now. A sweep's advice stays."""

from __future__ import annotations

import errno
import logging

import pytest

import mia_defense.cli.sweep_end as ended
from mia_defense.cli import train as train_cli
from mia_defense.tracking import hparams
from mia_defense.tracking.hparams import Session, session_hparams

SESSIONS = [Session(name="run", hparams=session_hparams({"train.lr": 0.1, "seed": 0}),
                    metrics={"utility/test_accuracy": 0.9})]  # fmt: skip


@pytest.mark.parametrize(("code", "advice"), [
    (errno.ENOSPC, "free disk space or make the directory writable, then run the same "
                   "command again"),
    (errno.EFBIG, "the file is larger than this file system or `ulimit -f` allows: raise the "
                  "limit or write elsewhere (a new hydra.run.dir, then run the same command "
                  "again)"),
])  # fmt: skip
def test_a_single_runs_experiment_config_not_written_is_told_to_run_the_command_again(
    tmp_path, monkeypatch, caplog, code, advice
):
    class FullDisk(hparams.EventFileWriter):
        def flush(self):
            raise OSError(code, "cannot write")

    monkeypatch.setattr(hparams, "EventFileWriter", FullDisk)
    monkeypatch.setattr(hparams, "sessions_under", lambda root, results=None: SESSIONS)
    with caplog.at_level(logging.WARNING, logger=train_cli.log.name):
        ended._write_hparams_experiment(tmp_path, log_dir=tmp_path / "tb", swept=["seed"])
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warning == (f"DataError: {tmp_path / 'tb'}: cannot write the HParams experiment "
                       f"config (cannot write); {advice}")  # fmt: skip
    assert "sweep" not in warning


def test_a_sweeps_experiment_config_not_written_keeps_the_sweeps_advice(tmp_path, monkeypatch):
    class FullDisk(hparams.EventFileWriter):
        def flush(self):
            raise OSError(errno.ENOSPC, "cannot write")

    monkeypatch.setattr(hparams, "EventFileWriter", FullDisk)
    with pytest.raises(hparams.DataError, match=r"then run the sweep again$"):
        hparams.write_sweep_experiment(tmp_path, SESSIONS, swept=["seed"])
