"""Hostile command lines and run directories, second round: a sweep's subdir that escapes
its directory, a second sweep into one directory, one bad point of a grid, ``_target_``
at a callable that is no dataset, model, defense, release or attack, and run directories
that are no run's. Each case checks that nothing finished changed."""

from __future__ import annotations

from tests.helpers import mia_train

TINY = ["plan.num_models=2", "plan.population_size=200", "train.epochs=1", "progress=false",
        "attack.bootstrap=0", "attack.queries.num_augmented=0", "attack.white_box=false",
        "~attack.attacks.shokri"]  # fmt: skip


def test_one_bad_point_of_a_grid_fails_alone_and_the_sweep_exits_2(tmp_path):
    # the ConfigError of train.lr=-1 stopped the whole sweep: train.lr=0.01 never ran
    sweep = tmp_path / "sweep"
    done = mia_train("-m", *TINY, "train.lr=-1,0.01", f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    runs = {d.name.split("train.lr=")[1].split(",")[0]: d for d in sweep.glob("*train.lr=*")}
    assert (runs["0.01"] / "results.json").is_file()
    assert not (runs["-1"] / "results.json").exists()
    assert "ConfigError: train.lr=-1: must be a finite number > 0" in done.stderr
    refused = done.stdout.split("1 run(s) of this sweep were refused")[1]
    assert "train.lr=-1,~attack.attacks.shokri=null': ConfigError: train.lr=-1: must be " \
        "a finite number > 0" in refused
