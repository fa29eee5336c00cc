"""A config group option that is none of the group's was refused in two wordings: a single
run (``mia-train defense=dpp``) said '... (did you mean dp?); nothing was run. Choose one of
A, B (e.g. defense=dp)', a sweep (``mia-train -m defense=none,dpp``) '... The options are A,
B', and 'dpp and foo is no option' of two. Both are worded by
`mia_defense.missing_config_refusals.no_option_words` now: the same words after what was said,
several unknown options named as such, with a 'did you mean' of each."""

from __future__ import annotations

import pytest

from tests.helpers import mia_train, refused_before_run_dir


def _refusal(stderr: str, said: str) -> str:
    """The ConfigError line's words after ``said: `` (what the command said)."""
    line = next(line for line in stderr.splitlines() if line.startswith("ConfigError: "))
    assert f"{said}: " in line, line
    return line.partition(f"{said}: ")[2]


def _swept(tmp_path, *overrides: str) -> str:
    sweep = tmp_path / "sweep"
    done = mia_train("-m", *overrides, f"hydra.sweep.dir={sweep}", "progress=false",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert not sweep.exists()
    return done.stderr


@pytest.mark.parametrize(("group", "bad", "good"), [
    ("defense", "dpp", "none"), ("model", "cnnn", "mlp"), ("dataset", "digitz", "digits"),
])  # fmt: skip
def test_a_sweep_and_a_single_run_say_the_same_words(tmp_path, group, bad, good) -> None:
    run = refused_before_run_dir(f"{group}={bad}", cwd=tmp_path)
    sweep = _swept(tmp_path, f"{group}={good},{bad}")
    words = _refusal(run, f"Could not find '{group}/{bad}'")
    assert words.startswith(f"{bad} is no option of the config group {group}"), words
    assert _refusal(sweep, f"{group}={good},{bad}") == words


def test_a_preset_swept_with_plus_says_the_plus(tmp_path) -> None:
    sweep = _swept(tmp_path, "+experiment=study_digit,tradeoff_dp")
    words = _refusal(sweep, "+experiment=study_digit,tradeoff_dp")
    assert words.startswith("study_digit is no option of the config group experiment (did you "
                            "mean study_digits?); nothing was run. Choose one of ")
    assert words.endswith(" (e.g. +experiment=study_digits)")


def test_several_unknown_options_are_named_with_a_hint_each(tmp_path) -> None:
    sweep = _swept(tmp_path, "defense=none,dpp,label_smootin,zzz")
    words = _refusal(sweep, "defense=none,dpp,label_smootin,zzz")
    assert words.startswith("dpp, label_smootin and zzz are no options of the config group "
                            "defense (did you mean dp for dpp, label_smoothing for "
                            "label_smootin?); nothing was run. Choose one of "), words
    assert words.endswith(" (e.g. defense=dp)")
