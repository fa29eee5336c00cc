"""Two sweeps sharing one hydra.sweep.dir at the same time: each ends naming its own points.

Measured: ``mia-train -m train.lr=0.1,0.05 hydra.sweep.dir=S`` beside ``mia-train -m
train.lr=-1,0.02 hydra.sweep.dir=S`` started 4 s later: the first sweep, whose two runs
were complete, ended with "1 run(s) of this sweep were refused ... train.lr=-1: ..." and
exit 2. Its end read every train.log and results.json under the folder written since it
started (how it learns of points run in other processes), the other sweep's included; it
now keeps to its own points: the folders of the jobs its launcher ran or handed back.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from omegaconf import OmegaConf

import mia_defense.cli.sweep_end as ended
import mia_defense.cli.sweep_refusals as refusals
from mia_defense.tracking import write_json

ERROR = "[2026-12-05 05:00:00,000][mia_defense.cli.train][ERROR] - ConfigError: {}\n"


@pytest.fixture
def sweep(tmp_path, sweep_end):
    """A sweep in ``tmp_path`` started (SweepSummary.on_multirun_start), then a point of
    another sweep sharing the folder refused and one diverged; ``end(ours, launched)`` ends
    it with ``ours`` run in this process and ``launched`` handed back by a launcher."""
    summary, config = sweep_end.start(tmp_path, task=["train.lr=0.1,0.05"])
    other = tmp_path / "train.lr=-1"
    other.mkdir()
    (other / "train.log").write_text(ERROR.format("train.lr=-1: must be a finite number > 0"))
    write_json(tmp_path / "train.lr=1e9" / "results.json", {"status": "diverged"})

    def end(ours, launched=()):
        for run_dir in ours:
            run_dir.mkdir(exist_ok=True)
            ended.SWEEP_RUNS.append(run_dir)
            write_json(run_dir / "results.json", {"status": "complete"})
        job_returns = [SimpleNamespace(hydra_cfg=OmegaConf.create(
            {"hydra": {"runtime": {"output_dir": str(d)}}})) for d in launched]
        refusals._gathering(lambda self: job_returns)(None)
        summary.on_multirun_end(config)

    return tmp_path, end


def test_another_sweeps_points_are_not_this_sweeps(sweep, capsys):
    root, end = sweep
    end([root / "train.lr=0.1", root / "train.lr=0.05"])
    out = capsys.readouterr().out
    assert "refused" not in out and "train.lr=-1" not in out, out
    assert "diverged" not in out, out
    assert ended.SWEEP_FAILED == [] and ended.SWEEP_DIVERGED == []  # (exit 0)


def test_a_refusal_in_a_point_run_elsewhere_is_still_named(sweep, capsys):
    root, end = sweep
    mine = root / "train.lr=0.05"
    mine.mkdir()
    (mine / "train.log").write_text(ERROR.format("train.lr=0.05: refused"))
    end([], launched=[root / "train.lr=0.1", mine])  # (a joblib sweep: run in its workers)
    out = capsys.readouterr().out
    assert "1 run(s) of this sweep were refused" in out, out
    assert "train.lr=0.05: refused" in out and "train.lr=-1" not in out, out
    assert [run_dir.name for run_dir, _ in ended.SWEEP_FAILED] == ["train.lr=0.05"]
