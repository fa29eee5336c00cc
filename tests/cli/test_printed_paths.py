"""The paths a run prints are the ones to paste in the shell it was started from."""

from __future__ import annotations

from tests.helpers import FAST, mia_train


def test_with_hydra_job_chdir_the_printed_paths_are_the_launch_directorys(tmp_path):
    # hydra.job.chdir=true moves the process into the run directory: the run printed
    # "run directory: ." and "--logdir .", which from the user's shell is another folder
    done = mia_train("hydra.job.chdir=true", "hydra.run.dir=runs/one", "plan.num_models=2",
                     *FAST, "progress=false", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "run directory: runs/one\n" in done.stdout
    assert "--logdir runs/one\n" in done.stdout
    assert (tmp_path / "runs" / "one" / "results.json").is_file()
