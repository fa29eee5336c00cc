"""Hydra's own interpolations in a run's overrides (``dataset.path=${hydra:runtime.cwd}/
data.csv``, the usual way to name a file beside the command) were refused before the run:
the checks read them before Hydra had set its config ('cannot resolve its value (...
HydraConfig was not set)'), and a finished run's summary warned the same (helper h97)."""

from __future__ import annotations

import numpy as np

from tests.helpers import LEAN_ATTACKS, mia_train

TINY = ["plan.num_models=2", "train.epochs=1", "progress=false"]


def _csv(path) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 4))
    y = (x[:, 0] > 0).astype(int)
    rows = "\n".join(",".join(f"{v:.5f}" for v in row) + f",{label}"
                     for row, label in zip(x, y, strict=True))  # fmt: skip
    path.write_text("a,b,c,d,label\n" + rows + "\n")


def test_a_path_under_hydras_runtime_cwd_runs(tmp_path):
    _csv(tmp_path / "data.csv")
    args = [*TINY, *LEAN_ATTACKS, "dataset=csv", "dataset.label_column=label",
            "dataset.path=${hydra:runtime.cwd}/data.csv", "hydra.run.dir=run"]  # fmt: skip
    done = mia_train(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "HydraConfig was not set" not in done.stderr
    assert (tmp_path / "run" / "results.json").is_file()
    again = mia_train(*args, cwd=tmp_path)  # the same command finds the finished run
    assert again.returncode == 0, again.stderr[-3000:]
    assert "skipping finished run" in again.stderr


def test_a_run_directory_under_hydras_runtime_cwd_is_checked_and_used(tmp_path):
    # 'hydra.run.dir=?: cannot be checked (InterpolationResolutionError: ... HydraConfig was
    # not set)': the run-directory checks read the folder's name before Hydra set its config
    args = [*TINY, *LEAN_ATTACKS, "hydra.run.dir=${hydra:runtime.cwd}/runs/x"]
    done = mia_train(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "runs" / "x" / "results.json").is_file()


def test_mia_attacks_source_check_reads_hydras_runtime_cwd(fast_run, tmp_path):
    # the source check raised 'HydraConfig was not set' on hydra.run.dir=${hydra:runtime.cwd}/..
    # and Hydra, which turns a callback's error into a warning, went on without it
    import shutil

    from tests.helpers import mia_attack

    shutil.copytree(fast_run.run_dir, tmp_path / "run")
    done = mia_attack("run", "hydra.run.dir=${hydra:runtime.cwd}/run/inside", *LEAN_ATTACKS,
                      cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert "SourceCheck.on_run_start raised" not in done.stderr
    assert f"lies in the run attacked ({tmp_path / 'run'}); mia-attack never writes" in done.stderr
    done = mia_attack("run", "hydra.run.dir=${hydra:runtime.cwd}/out", *LEAN_ATTACKS,
                      cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "SourceCheck.on_run_start raised" not in done.stderr
    assert (tmp_path / "out" / "results.json").is_file()


def test_a_sweep_directory_under_hydras_runtime_cwd_is_refused_with_the_path_to_write(tmp_path):
    # Hydra resolves hydra.sweep.dir before it sets its config, so Hydra itself fails on
    # ${hydra:runtime.cwd} there; the refusal said only 'Point hydra.sweep.dir at a new or
    # empty directory', which the user had done
    args = ["-m", *TINY, "seed=0,1", "hydra.sweep.dir=${hydra:runtime.cwd}/sweep"]
    done = mia_train(*args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    assert "hydra.sweep.dir=?: cannot be checked" in done.stderr
    assert ("so it cannot read them (Hydra itself fails on it); a relative path is taken from "
            "the directory you launch in, e.g. hydra.sweep.dir=multirun/mine") in done.stderr
    assert not (tmp_path / "sweep").exists()
