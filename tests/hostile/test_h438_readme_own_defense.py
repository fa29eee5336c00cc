"""README's "A defense of your own" against today's code (h438 reading it as a new user):
its hooks table had no row for ``idle_reason``, the hook whose answer results.json's
``training.defenses_idle`` records and the engine checks since h433 (a str or None, kept to
one line), and its rule on names did not say that a name must be one printable line of at
most `MAX_NAME_CHARS` characters (h433: refused before training). Each README sentence is
checked against the code it describes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mia_defense.defenses import TrainingDefense
from mia_defense.defenses.compose import defense_name_problem
from mia_defense.defenses.contract import HOOK_OUTPUTS
from mia_defense.defenses.values import MAX_NAME_CHARS

README = Path(__file__).resolve().parents[2] / "README.md"


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("### A defense of your own")
    return text[start:text.index("\n## ", start)]


def _table_hooks() -> set[str]:
    rows = [line for line in _section().splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`(\w+)\(", row.split(" | ")[0])}


def test_every_checked_hook_has_a_row():
    missing = set(HOOK_OUTPUTS) - _table_hooks()
    assert not missing, f"README's hooks table lacks {sorted(missing)}"


def test_the_idle_reason_row_says_what_the_code_keeps():
    from mia_defense.pipeline.train import _IDLE_REASON_CHARS

    row = next(line for line in _section().splitlines() if line.startswith("| `idle_reason("))
    assert f"at most {_IDLE_REASON_CHARS} characters" in row
    assert "`None`" in row and "training.defenses_idle" in row


def test_the_name_rule_says_the_limit():
    section = " ".join(_section().split())
    assert f"one printable line of at most {MAX_NAME_CHARS} characters" in section


class _Named(TrainingDefense):
    name = "n"


@pytest.mark.parametrize("name", ["x" * (MAX_NAME_CHARS + 1), "quiet\nforged", "a\tb"])
def test_the_names_readme_says_are_refused(name):
    defense = type("Mine", (_Named,), {"name": name})()
    assert "must be one printable line" in (defense_name_problem(defense) or "")


def test_a_name_at_the_limit_is_taken():
    defense = type("Mine", (_Named,), {"name": "x" * MAX_NAME_CHARS})()
    assert defense_name_problem(defense) is None
