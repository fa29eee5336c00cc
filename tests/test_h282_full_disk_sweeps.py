"""A full disk during sweeps (leftovers of h279's single-run fixes).

A point of ``mia-train -m`` that trained but could not record ``failed`` (the disk full to
its last block: results.json still says ``running``) was listed at the sweep's end as
"refused (nothing was run there; fix the value ...)", and a sweep of such points ended
"every run of this sweep was refused ... nothing was trained" (by hand: a 196k tmpfs)."""

from __future__ import annotations

from pathlib import Path

import pytest
from omegaconf import OmegaConf

import mia_defense.cli.sweep_refusals as refusals
import mia_defense.cli.train as cli
from mia_defense.tracking import write_json


def test_a_point_that_could_not_record_its_failure_is_not_said_to_be_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    trained, in_use, refused = (tmp_path / name for name in ("a", "b", "c"))
    said = {trained: "DataError: a/observations.npz: cannot write it (No space left on device)",
            in_use: "ConfigError: b is in use by pid 1 on host; wait for that run to end",
            refused: "ConfigError: c: train.lr=-1 must be > 0"}  # fmt: skip
    monkeypatch.setattr(cli, "_SWEEP_RUNS", list(said))
    monkeypatch.setattr(cli, "_SWEEP_FAILED", list(said.items()))
    monkeypatch.setattr(cli, "_SWEEP_DIVERGED", [])
    monkeypatch.setattr(refusals, "_RETURNED", [])
    monkeypatch.setattr(refusals, "_LAUNCHED", set())
    config = OmegaConf.create({"hydra": {"sweep": {"dir": str(tmp_path)},
                                         "sweeper": {"params": None},
                                         "overrides": {"task": []}}})  # fmt: skip
    summary = cli.SweepSummary()
    summary.on_multirun_start(config)
    for run_dir in (trained, in_use):  # (b's is the run that held it: killed since)
        write_json(run_dir / "results.json", {"status": "running", "config": {}})
    summary.on_multirun_end(config)
    err = "".join(capsys.readouterr())
    assert "every run of this sweep was refused" not in err
    refusals_said, failed = err.split("2 run(s) of this sweep were refused")[1].split(
        "1 run(s) of this sweep failed after they began and could not record it (results.json "
        "still says running")  # fmt: skip
    assert said[in_use] in refusals_said and said[refused] in refusals_said
    assert said[trained] not in refusals_said
    assert said[trained] in failed.split("\n\n")[0]
