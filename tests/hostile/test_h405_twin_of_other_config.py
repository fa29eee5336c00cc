"""h405: a sweep's point refused because its folder was in use was said to be stood for by
the complete run found there at the sweep's end, whatever that run's config: two sweeps at
once into one hydra.sweep.dir, whose subdir names the folder alike (mia-train -m
plan.num_models=4 train.epochs=100 train.chunk_size=1 hydra.sweep.dir=S
'hydra.sweep.subdir=s${seed}' seed=0 train.lr=0.01, and 4 s later the same with seed=0,1
train.lr=0.02): the second's end said "1 point(s) of this sweep found their folder in use by a
run of its overrides that finished there since ...: the run there stands for both", exit 0,
though S/s0 holds the lr=0.01 run and lr=0.02 never ran there. The refused point's config
and data now travel with its refusal (`sweep_refusals.refused_run`), and only a run of them
stands for it; another config's run leaves the point refused."""

from __future__ import annotations

import os
from types import SimpleNamespace

import mia_defense.cli.sweep_end as ended
import mia_defense.cli.sweep_refusals as refusals
from mia_defense.tracking import write_json
from mia_defense.tracking.artifacts import SCHEMA_VERSION
from tests.conftest import TINY
from tests.helpers import FAST, hold_run_lock, mia_train

RUN = list({arg.split("=")[0]: arg for arg in [*TINY, *FAST]}.values())


def in_use_end(sweep_end, root, *, there: dict, refused: dict | None,
               status: str = "complete"):
    """The sweep's end where its point s0, holding a run of config ``there`` (its status
    ``status``), was refused as in use, ``refused`` the point's own config."""
    summary, config = sweep_end.start(root, task=["seed=0,1"])
    point = root / "s0"
    point.mkdir()
    write_json(point / "results.json",
               {"status": status, "schema_version": SCHEMA_VERSION, "config": there})
    said = (f"ConfigError: {point} is in use by pid 4242 on vm since 2026-12-07 02:42:35; "
            "wait for that run to end or choose another directory (hydra.run.dir=...)")
    refusals._RETURNED[:] = [(point, said)]
    if refused is not None:
        refusals._RUNS_RETURNED[os.path.abspath(point)] = (refused, None)
    refusals._LAUNCHED.add(os.path.abspath(point))
    summary.on_multirun_end(config)
    return point


def test_a_run_of_another_config_does_not_stand_for_the_point(tmp_path, sweep_end, capsys):
    point = in_use_end(sweep_end, tmp_path, there={"train": {"lr": 0.01}},
                       refused={"train": {"lr": 0.02}})
    out = capsys.readouterr().out
    assert [run_dir for run_dir, _ in ended.SWEEP_FAILED] == [point]  # (exit 2)
    assert "stands for both" not in out, out
    assert "1 run(s) of this sweep were refused" in out, out


def test_a_point_whose_config_is_not_known_is_not_stood_for(tmp_path, sweep_end, capsys):
    in_use_end(sweep_end, tmp_path, there={"train": {"lr": 0.01}}, refused=None)
    assert "stands for both" not in capsys.readouterr().out
    assert len(ended.SWEEP_FAILED) == 1


def test_a_run_of_its_config_still_stands_for_it(tmp_path, sweep_end, capsys):
    in_use_end(sweep_end, tmp_path, there={"train": {"lr": 0.01}}, refused={"train": {"lr": 0.01}})
    assert "the run there stands for both" in capsys.readouterr().out
    assert ended.SWEEP_FAILED == []


def test_the_refused_run_travels_back_from_a_jobs_process(tmp_path, monkeypatch):
    monkeypatch.setattr(refusals, "_RUNS_SAID", {})
    monkeypatch.setattr(refusals, "_RUNS_RETURNED", {})
    monkeypatch.setattr(refusals, "_RETURNED", [])
    refusals.say(tmp_path / "s0", "ConfigError: in use", run=({"seed": 0}, "fp"))
    job_return = SimpleNamespace()
    refusals.carry(job_return)  # (in the job's process, as it ends)
    refusals._RUNS_SAID.clear()  # (the sweep's process has none of its own)
    launch = refusals._gathering(lambda self: [job_return])
    launch(None)
    assert refusals.refused_run(tmp_path / "s0") == ({"seed": 0}, "fp")


def test_mia_train_says_the_config_of_a_point_refused_in_use(tmp_path):
    fd = hold_run_lock(tmp_path / "sweep" / "s0")
    try:
        done = mia_train("-m", *RUN, "hydra.sweep.dir=sweep", "hydra.sweep.subdir=s${seed}",
                         "seed=0", cwd=tmp_path)
    finally:
        os.close(fd)
    assert done.returncode == 2, done.stderr[-3000:]
    run = refusals.refused_run(tmp_path / "sweep" / "s0")
    assert run is not None and run[0]["seed"] == 0 and run[1], run
