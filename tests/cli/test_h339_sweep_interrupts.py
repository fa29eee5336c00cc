"""What an interrupted sweep says when another process runs in its folder (h339)."""

from __future__ import annotations

import json
import os

from mia_defense.cli import train as cli
from tests.helpers import hold_run_lock


def _run(folder, status):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "train.log").write_text("started\n")  # (grew since the sweep began: its own)
    (folder / "results.json").write_text(json.dumps({"schema_version": 1, "status": status}))


def test_a_point_another_sweep_runs_is_not_said_stopped(
    tmp_path, monkeypatch, capsys, sweep_end
):
    # the same sweep started twice into one hydra.sweep.dir: Ctrl-C to the second, its own
    # point interrupted, said 'the training of 2 runs stopped part way', one of them the
    # first sweep's, which went on and finished
    sweep_end.start(tmp_path)
    fd = hold_run_lock(tmp_path / "a")
    try:
        _run(tmp_path / "a", "running")
        _run(tmp_path / "b", "interrupted")
        monkeypatch.setattr(cli, "_KEPT_SAID", [])
        cli._say_what_the_sweep_kept()
    finally:
        os.close(fd)
    assert capsys.readouterr().err == (
        "kept: 0 finished runs of this sweep (skipped when it resumes); lost: the training of "
        "1 run stopped part way with no trained model saved yet, done again when the sweep "
        "resumes; not stopped: 1 run in progress in another process (pid 1 on elsewhere since "
        "2026-01-01 00:00:00), going on there\n")
