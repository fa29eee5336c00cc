"""The submitit launchers' counts below what they take, refused in one line before the
sweep's folder is made: ``launcher=submitit_local hydra.launcher.tasks_per_node=0`` ended in
submitit's 'AssertionError: Nothing to do!' traceback after the folder was made,
``timeout_min=0`` in 'UncompletedJobError' (each job killed at once), and on SLURM
``--time=0`` is no time limit at all; ``tasks_per_node=2`` ran each point twice at once."""

from __future__ import annotations

import pytest

from tests.conftest import TINY
from tests.helpers import LEAN_ATTACKS, mia_train

pytest.importorskip("hydra_plugins.hydra_submitit_launcher")


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        (["launcher=submitit_local", "hydra.launcher.cpus_per_task=0",
          "hydra.launcher.tasks_per_node=0"],
         ["hydra.launcher.cpus_per_task=0: the cores of each run, a whole number >= 1",
          "hydra.launcher.tasks_per_node=0: the processes of each job, a whole number >= 1",
          "nothing was run (leave them out for launcher=submitit_local's value)"]),
        # each point ran twice at once in its folder, one copy refused 'is in use' (nodes=2:
        # submitit's ValueError traceback on this machine)
        (["launcher=submitit_local", "hydra.launcher.tasks_per_node=2", "hydra.launcher.nodes=2"],
         ["hydra.launcher.tasks_per_node=2: each task of a job runs the whole run again",
          "hydra.launcher.nodes=2: each task", "set it to 1"]),
        (["launcher=submitit_local", "hydra.launcher.timeout_min=0"],
         ["hydra.launcher.timeout_min=0: the minutes a run may take, a whole number >= 1"]),
        (["launcher=submitit_slurm", "hydra.launcher.timeout_min=0", "hydra.launcher.mem_gb=-1",
          "hydra.launcher.max_num_timeout=-1"],
         ["hydra.launcher.timeout_min=0: the minutes", "hydra.launcher.mem_gb=-1: the memory",
          "hydra.launcher.max_num_timeout=-1: how often", "launcher=submitit_slurm's value"]),
    ],
)  # fmt: skip
def test_a_submitit_count_below_its_least_is_refused_first(tmp_path, settings, said):
    done = mia_train("-m", *TINY, *LEAN_ATTACKS, *settings, "seed=1,2", "hydra.sweep.dir=sweep",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert all(part in done.stderr for part in said), done.stderr[-2000:]
    assert "nothing was run" in done.stderr
    assert not (tmp_path / "sweep").exists()


def test_the_shipped_submitit_settings_pass():
    from hydra import compose, initialize_config_module

    from mia_defense.cli.launcher_checks import check_submitit_settings

    for launcher in ("submitit_local", "submitit_slurm"):
        with initialize_config_module("mia_defense.conf", version_base="1.3"):
            config = compose("config", [f"launcher={launcher}", "hydra.sweep.dir=x"],
                             return_hydra_config=True)  # fmt: skip
        check_submitit_settings(config)  # (no SystemExit)
