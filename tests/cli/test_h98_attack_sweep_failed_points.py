"""A point of a mia-attack sweep that failed after it began writing (observations.npz
written, then scores.npz could not be: a full disk) was summed up as "refused (nothing was
attacked there ...)". mia-train's sweep summary tells the two apart; mia-attack's now does
too."""

from tests.helpers import LEAN_ATTACKS, mia_attack


def test_a_point_that_failed_after_writing_is_not_said_to_be_refused(fast_run, tmp_path):
    sweep = tmp_path / "sweep"
    (sweep / "0" / "scores.npz").mkdir(parents=True)  # its scores.npz cannot be written
    done = mia_attack("-m", str(fast_run.run_dir), *LEAN_ATTACKS,
                      "attack.num_targets=1,9", f"hydra.sweep.dir={sweep}",
                      "hydra.sweep.subdir=${hydra.job.num}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    assert (sweep / "0" / "observations.npz").is_file()
    failed, refused = done.stdout.split("run(s) of this sweep failed after they began")[1], (
        done.stdout.split("run(s) of this sweep were refused")[1].split("\n\n")[0])
    assert "  sweep/0: DataError: " in failed and "scores.npz: cannot write it" in failed
    assert "sweep/0" not in refused
    assert "  sweep/1: ConfigError: attack.num_targets=9" in refused


def test_a_finished_point_refused_on_a_rerun_is_said_to_be_refused(fast_run, tmp_path):
    """The sweep run again with another config into the same folders: each finished
    point's folder holds its files and its results.json, and the point is refused, nothing
    written: no failure after it began. (The same sweep again skips them: h103.)"""
    args = ("-m", str(fast_run.run_dir), *LEAN_ATTACKS,
            f"hydra.sweep.dir={tmp_path / 'sweep'}", "hydra.sweep.subdir=${hydra.job.num}")
    assert mia_attack(*args, "attack.num_targets=1", cwd=tmp_path).returncode == 0
    done = mia_attack(*args, "attack.num_targets=2", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "were refused" in done.stdout and "failed after they began" not in done.stdout
