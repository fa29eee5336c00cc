"""A sweep's end said of its runs that failed after they began "the models they saved are
kept", though none had saved any: it counts them on disk."""

from __future__ import annotations

import pytest

from mia_defense.tracking import write_json


@pytest.mark.parametrize(("status", "saved", "said"), [
    ("failed", (0, 0), "2 run(s) of this sweep failed after they began (results.json says "
     "failed; they saved no trained model (their training starts anew when they resume): fix "
     "the cause"),
    ("running", (3, 0), "results.json still says running: its disk is full, most likely; 3 "
     "trained models saved by 1 of them are kept (1 saved none): free disk space"),
])  # fmt: skip
def test_a_failed_runs_line_says_the_models_it_kept(
    tmp_path, capsys, sweep_end, status, saved, said
):
    runs = [tmp_path / "a", tmp_path / "b"]
    summary, config = sweep_end.start(
        tmp_path, runs=runs, failed=[(run, f"DataError: {run.name}: disk full") for run in runs])
    for run, models in zip(runs, saved, strict=True):  # (written during the sweep)
        write_json(run / "results.json", {"status": status, "config": {}})
        (run / "checkpoints").mkdir()
        for k in range(models):
            (run / "checkpoints" / f"model_{k:04d}.pt").touch()
    summary.on_multirun_end(config)
    out, err = capsys.readouterr()
    assert said in out + err
