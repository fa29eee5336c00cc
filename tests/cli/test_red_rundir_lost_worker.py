"""A job of a joblib sweep killed by the system (out of memory: SIGKILL) ended mia-train -m
in joblib's 30-line TerminatedWorkerError traceback. It is one line: what happened, that
finished runs are kept, and how to go on."""

from __future__ import annotations

import pytest


class TerminatedWorkerError(RuntimeError):  # joblib's (loky's) class, by its name
    pass


def test_a_killed_sweep_worker_is_one_line_and_exit_2(monkeypatch, capsys):
    from hydra._internal.hydra import Hydra

    from mia_defense.cli.stopped import lost_workers_stop_cleanly

    def multirun(self, *args, **kwargs):
        raise TerminatedWorkerError(
            "A worker process managed by the executor was unexpectedly terminated. This could "
            "be caused by a segmentation fault ...\n\nThe exit codes of the workers are "
            "{SIGKILL(-9)}"
        )

    monkeypatch.setattr(Hydra, "multirun", multirun)
    lost_workers_stop_cleanly()
    with pytest.raises(SystemExit) as stopped:
        Hydra.multirun(object())
    assert stopped.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "SIGKILL(-9)" in err and "finished runs are skipped" in err


def test_other_errors_pass_through(monkeypatch):
    from hydra._internal.hydra import Hydra

    from mia_defense.cli.stopped import lost_workers_stop_cleanly

    def multirun(self, *args, **kwargs):
        raise ValueError("not ours")

    monkeypatch.setattr(Hydra, "multirun", multirun)
    lost_workers_stop_cleanly()
    with pytest.raises(ValueError, match="not ours"):
        Hydra.multirun(object())
