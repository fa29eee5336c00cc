"""The config check's 'unknown key' named a key of 81 to 255 characters whole, twice:
``mia-train +<200 x>=1`` gave a line of 557 characters ('+<200 x>=1: unknown top-level key
'<200 x>''), ``+train.<200 x>=1`` 572. Such a key is clipped now as a sweep's refusals clip
it (`constraints.key_shown`: whole up to 80 characters, longer than any real key, else its
start, '…' and its length); a short key's words are unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from mia_defense.constraints import KEY_LIMIT
from tests.helpers import refused_before_run_dir

LONG = "x" * 200


def _line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("ConfigError: ")]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr[-2000:]
    return lines[0]


@pytest.mark.parametrize(("override", "said"), [
    (f"+{LONG}=1", [f"… ({len(LONG)} characters)=1: unknown top-level key 'xx",
                    f"… ({len(LONG)} characters)'; valid keys: seed, "]),
    (f"+train.{LONG}=1", ["+train.xx", f"… ({len(LONG) + 6} characters)=1: unknown key 'xx",
                          f"… ({len(LONG)} characters)' in train; valid keys: epochs, "]),
])  # fmt: skip
def test_a_long_unknown_key_is_clipped(override: str, said: list[str], tmp_path: Path):
    line = _line(refused_before_run_dir(override, cwd=tmp_path))
    assert "x" * (KEY_LIMIT + 1) not in line and len(line) < 400, line
    for words in said:
        assert words in line, line


@pytest.mark.parametrize("key", ["x" * KEY_LIMIT, "foo"])
def test_a_key_of_up_to_the_limit_keeps_its_words(key: str, tmp_path: Path):
    assert _line(refused_before_run_dir(f"+{key}=1", cwd=tmp_path)) == (
        f"ConfigError: +{key}=1: unknown top-level key '{key}'; valid keys: seed, progress, "
        "figures, cache_dir, objectives, dataset, model, plan, train, attack, defense, release")
