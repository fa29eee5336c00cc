"""Hydra's "Could not delete from config. 'KEY' does not exist" of a key of 81 to 255
characters (past 255 bytes hydra_guard refuses it first) quoted the key whole:
``mia-train "~train.<200 x>"`` gave a line of 450 characters, ``~attack.attacks.<200 x>``
likewise, and ``~<200 x>`` (no hint after it) 260. The key is clipped now as the other
refusals clip one (`constraints.keys_shown`); a sweep of it says the single run's words; a
short key's words are unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from mia_defense.constraints import KEY_LIMIT
from tests.helpers import mia_train, refused_before_run_dir

LONG = "x" * 200


def _refusal(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("ConfigError: ")]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr[-2000:]
    return lines[0]


@pytest.mark.parametrize(("key", "said"), [
    (f"train.{LONG}", ["' does not exist: (its keys: epochs, batch_size, lr, ",
                       "; a setting cannot be deleted (each is required): set it instead"]),
    (f"attack.attacks.{LONG}", ["' does not exist: (its attacks: loss, confidence, "]),
    (LONG, []),
])  # fmt: skip
def test_a_long_key_that_is_not_there_is_clipped(key: str, said: list[str], tmp_path: Path):
    line = _refusal(refused_before_run_dir(f"~{key}", cwd=tmp_path))
    assert "x" * (KEY_LIMIT + 1) not in line and len(line) < 400, line
    start = key.partition("x")[0]
    assert line.startswith(f"ConfigError: Could not delete from config. '{start}xx"), line
    assert f"… ({len(key)} characters)' does not exist" in line, line
    for words in said:
        assert words in line, line


def test_a_sweep_of_it_says_the_single_runs_words(tmp_path: Path):
    single = _refusal(refused_before_run_dir(f"~train.{LONG}", cwd=tmp_path))
    (tmp_path / "sweep").mkdir()
    done = mia_train("-m", f"~train.{LONG}", "seed=1,2", cwd=tmp_path / "sweep")
    assert done.returncode == 2 and [*(tmp_path / "sweep").iterdir()] == [], done.stderr[-2000:]
    assert _refusal(done.stderr) == single


def test_a_short_key_keeps_its_words(tmp_path: Path):
    assert _refusal(refused_before_run_dir("~train.lrr", cwd=tmp_path)) == (
        "ConfigError: Could not delete from config. 'train.lrr' does not exist: did you mean "
        "'lr'? (its keys: epochs, batch_size, lr, optimizer, momentum, weight_decay, device, "
        "engine, chunk_size, eval_every, threads); a setting cannot be deleted (each is "
        "required): set it instead")
    key = "y" * KEY_LIMIT  # (80: whole, in Hydra's words as they are)
    assert _refusal(refused_before_run_dir(f"~{key}", cwd=tmp_path)) == (
        f"ConfigError: Could not delete from config. '{key}' does not exist")
