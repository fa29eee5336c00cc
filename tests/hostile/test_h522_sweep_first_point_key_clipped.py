"""A grid sweep each of whose points the config check refuses for a key of 81 to 255
characters (``mia-train -m "+<200 x>=1,2"``) was refused in a line of 907 characters naming
the key three times whole: twice in the single run's refusal it quotes, once as its first
point ('the first: +<200 x>=1'). It names the first point's keys as the refusal does now
(`constraints.key_shown`), and its line still begins with the single run's refusal."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import mia_train, refused_before_run_dir

LONG = "x" * 200
TINY = ("plan.num_models=4", "train.epochs=1", "progress=false", "figures=false")


def _refusal(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("ConfigError: ")]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr[-2000:]
    return lines[0]


def test_a_sweep_of_a_long_unknown_key_names_its_first_point_clipped(tmp_path: Path):
    single = _refusal(refused_before_run_dir(f"+{LONG}=1", cwd=tmp_path))
    (tmp_path / "sweep").mkdir()
    done = mia_train("-m", *TINY, f"+{LONG}=1,2", cwd=tmp_path / "sweep")
    assert done.returncode == 2 and [*(tmp_path / "sweep").iterdir()] == [], done.stderr[-2000:]
    line = _refusal(done.stderr)
    assert line.startswith(f"{single}; every point of this sweep would be refused so (2 of 2; "
                           "the first: "), line  # fmt: skip
    assert f"figures=False +{LONG[:60]}" in line, line
    assert f"… ({len(LONG)} characters)=1); nothing was run" in line, line
    assert LONG[:100] not in line and len(line) < 700, line


def test_a_short_keys_sweep_keeps_its_words(tmp_path: Path):
    line = _refusal(mia_train("-m", *TINY, "+foo=1,2", cwd=tmp_path).stderr)
    assert line.endswith("; every point of this sweep would be refused so (2 of 2; the first: "
                         "plan.num_models=4 train.epochs=1 progress=False figures=False "
                         "+foo=1); nothing was run. Fix the setting the refusal names, then run "
                         "the sweep again"), line  # fmt: skip
