"""The paths a run prints are the ones to paste in the shell it was started from."""

from __future__ import annotations

import pytest

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


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_mia_attack_takes_figures_false_as_mia_train_does(tmp_path):
    # mia-attack had no `figures` key: every run drew TensorBoard's figures (about 1 s)
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

    from tests.helpers import LEAN_ATTACKS, mia_attack, synthetic_observations

    def images(log_dir):
        tags = {v.tag for events in log_dir.glob("events.out.tfevents.*")
                for e in EventFileLoader(str(events)).Load() for v in e.summary.value}
        return tags & {"roc", "scores", "per_class"}  # fmt: skip

    synthetic_observations(num_models=4, num_samples=40, num_classes=3).save(tmp_path / "o.npz")
    done = mia_attack("o.npz", *LEAN_ATTACKS, "hydra.run.dir=lean", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    drawn = mia_attack("o.npz", *LEAN_ATTACKS[1:], "hydra.run.dir=drawn", cwd=tmp_path)
    assert drawn.returncode == 0, drawn.stderr[-2000:]
    assert not images(tmp_path / "lean" / "tb")
    assert images(tmp_path / "drawn" / "tb")
    bad = mia_attack("o.npz", "figures=maybe", "hydra.run.dir=bad", cwd=tmp_path)
    assert bad.returncode == 2 and "figures" in bad.stderr
