"""A grid sweep each of whose points the config check refuses named its first point's values
whole ('the first: +foo=<300 x>'), where the single run's refusal it quotes clips the value
(`constraints.clipped`): ``mia-train -m "+foo=<300 x>,1"`` gave a line of 816 characters. The
first point's values are clipped now as the refusal clips them; the line still begins with the
single run's refusal word for word (test_h513's rule); a value of up to 200 characters keeps
its words."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import mia_train, refused_before_run_dir

LONG = "x" * 300
TINY = ("plan.num_models=4", "train.epochs=1", "progress=false", "figures=false")


def _refusal(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("ConfigError: ")]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr[-2000:]
    return lines[0]


def test_a_sweep_of_a_long_value_names_its_first_point_clipped(tmp_path: Path):
    single = _refusal(refused_before_run_dir(*TINY, f"+foo={LONG}", cwd=tmp_path))
    assert LONG[:200] not in single, single  # (the single run's refusal clips it)
    (tmp_path / "sweep").mkdir()
    done = mia_train("-m", *TINY, f"+foo={LONG},1", cwd=tmp_path / "sweep")
    assert done.returncode == 2 and [*(tmp_path / "sweep").iterdir()] == [], done.stderr[-2000:]
    line = _refusal(done.stderr)
    assert line.startswith(f"{single}; every point of this sweep would be refused so (2 of 2; "
                           "the first: "), line  # fmt: skip
    assert f"figures=False +foo={LONG[:100]}" in line, line
    assert f"… ({len(LONG)} characters)); nothing was run" in line, line
    assert LONG[:200] not in line and len(line) < 800, line


def test_a_value_of_200_characters_keeps_its_words(tmp_path: Path):
    value = "y" * 200
    line = _refusal(mia_train("-m", *TINY, f"+foo={value},1", cwd=tmp_path).stderr)
    assert line.endswith(f"; every point of this sweep would be refused so (2 of 2; the first: "
                         f"plan.num_models=4 train.epochs=1 progress=False figures=False "
                         f"+foo={value}); nothing was run. Fix the setting the refusal names, "
                         "then run the sweep again"), line  # fmt: skip
