"""``~KEY=VALUE`` of a key holding a mapping or a list that VALUE is not (Hydra's "Could not
delete from config. The value of 'KEY' is ...", `_valued_delete_refusal`) named a key of 81 to
255 characters whole four times: ``+attack.attacks.<200 x>={_target_: foo}
~attack.attacks.<200 x>=[1]`` gave a line of 1,198 characters, a list's 987; an entry of that
name, ``~attack.attacks=[lira_online]`` beside it, was listed whole among the entries. Each is
clipped now as the other refusals clip a key (`constraints.keys_shown`); a short key's words
are unchanged (test_h508)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mia_defense.constraints import KEY_LIMIT
from tests.helpers import refused_before_run_dir

LONG = "x" * 200


def _refusal(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("ConfigError: ")]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr[-2000:]
    return lines[0]


@pytest.mark.parametrize(("overrides", "said"), [
    ((f"+attack.attacks.{LONG}={{_target_: foo}}", f"~attack.attacks.{LONG}=[1]"),
     [f"… ({len(LONG) + 15} characters)=[1]: deletes attack.attacks.xx",
      " only where its value is [1], and attack.attacks.xx", " holds the entries _target_; ",
      # (h541: a suggestion holding the clipped key is said in words)
      f"… ({len(LONG) + 15} characters) whatever it holds: that key with '~' and no value"]),
    ((f"+train.optimizer.{LONG}=[1]", f"~train.optimizer.{LONG}=[2]"),
     [" holds a list of 1; nothing was run. To change it, give the whole list: "
      "that key, '=' and the list"]),
    ((f"+attack.attacks.{LONG}={{_target_: foo}}", "~attack.attacks=[lira_online]"),
     [", gradient_norm, xx", f"… ({len(LONG)} characters); nothing was run. To leave entries "
      "out, delete each by its name: '~attack.attacks.lira_online'"]),
])  # fmt: skip
def test_a_long_key_a_value_does_not_delete_is_clipped(overrides: tuple[str, str],
                                                       said: list[str], tmp_path: Path):
    line = _refusal(refused_before_run_dir(*overrides, cwd=tmp_path))
    assert "x" * (KEY_LIMIT + 1) not in line and len(line) < 600, line
    for words in said:
        assert words in line, line


def test_a_key_of_80_characters_keeps_its_words(tmp_path: Path):
    key = "attack.attacks." + "y" * (KEY_LIMIT - len("attack.attacks."))
    line = _refusal(refused_before_run_dir(f"+{key}={{_target_: foo}}", f"~{key}=[1]",
                                           cwd=tmp_path))  # fmt: skip
    assert line == (f"ConfigError: ~{key}=[1]: deletes {key} only where its value is [1], and "
                    f"{key} holds the entries _target_; nothing was run. To delete {key} "
                    f"whatever it holds: '~{key}'")  # fmt: skip


def test_a_long_key_of_one_value_is_clipped(tmp_path: Path):
    """``+train.<200 x>=1 ~train.<200 x>=2`` (`_valued_delete_clipped`) quoted the key whole
    in Hydra's words, a line of 279 characters; a short key's are test_h508's."""
    line = _refusal(refused_before_run_dir(f"+train.{LONG}=1", f"~train.{LONG}=2", cwd=tmp_path))
    assert "x" * (KEY_LIMIT + 1) not in line, line
    assert line.startswith("ConfigError: Could not delete from config. The value of "
                           "'train.xx"), line  # fmt: skip
    assert line.endswith(f"… ({len(LONG) + 6} characters)' is 1 and not 2"), line
