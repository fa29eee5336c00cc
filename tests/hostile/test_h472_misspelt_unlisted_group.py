"""``mia-train -m experiment=study_digit`` (no '+', and misspelt) took two steps: Hydra said
"No match in the defaults list ... use +experiment=study_digit", which then failed as a
misspelt option. Both are now said at once, with the closest option and its '+'; a right
name keeps Hydra's advice (it composes)."""

from __future__ import annotations

from tests.helpers import mia_train


def test_a_misspelt_experiment_without_plus_is_told_the_right_override(tmp_path):
    done = mia_train("-m", "experiment=study_digit", f"hydra.sweep.dir={tmp_path / 'sweep'}",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr[-2000:]
    assert "did you mean study_digits?" in lines[0], lines[0]
    assert "(e.g. +experiment=study_digits)" in lines[0], lines[0]
    assert "+experiment=study_digit " not in lines[0] + " "
    assert not (tmp_path / "sweep").exists()


def test_a_right_experiment_without_plus_keeps_hydras_advice(tmp_path):
    done = mia_train("-m", "experiment=study_digits", f"hydra.sweep.dir={tmp_path / 'sweep'}",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    assert "use +experiment=study_digits" in done.stderr, done.stderr[-2000:]
