"""Red-team of mia-attack's resume (a re-run skips a folder holding its finished run of
the same source, config and code): the skip must say what mia-train's skip says."""

import os
from pathlib import Path

from tests.helpers import LEAN_ATTACKS, mia_attack, synthetic_observations


def _attacked(tmp_path: Path) -> tuple[str, ...]:
    """The command of one attack of ``tmp_path/o.npz`` into ``tmp_path/a``, run once."""
    synthetic_observations(num_models=4, num_samples=60, num_classes=3).save(tmp_path / "o.npz")
    args = ("o.npz", *LEAN_ATTACKS, "hydra.run.dir=a")
    done = mia_attack(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    return args


def test_a_skipped_run_missing_its_arrays_or_linked_in_is_named_as_mia_train_does(tmp_path):
    """A folder whose scores.npz was deleted, or whose results.json is a link to another
    folder's record, was skipped without a word; mia-train warns on both
    (`tracking.run_dir.warn_incomplete`), and so does mia-attack now."""
    args = _attacked(tmp_path)
    run_dir = tmp_path / "a"
    (run_dir / "scores.npz").unlink()
    done = mia_attack(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "skipping finished run" in done.stderr
    assert (f"{run_dir}: a complete run, skipped as finished, but scores.npz is missing "
            "(moved, deleted or not copied)") in done.stderr
    elsewhere = tmp_path / "kept.json"
    os.replace(run_dir / "results.json", elsewhere)
    (run_dir / "results.json").symlink_to(elsewhere)
    linked = mia_attack(*args, cwd=tmp_path)
    assert linked.returncode == 0, linked.stderr[-2000:]
    assert "skipping finished run" in linked.stderr
    assert f"{run_dir / 'results.json'} is a link to {elsewhere}: this folder is skipped" in (
        linked.stderr)
