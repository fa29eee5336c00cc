"""README shows a column name with a space dropped as ``"dataset.drop_columns='Unnamed: 0'"``
(Hydra's quotes inside the shell's). That way fails for a name holding ``$``, a backquote,
``"`` or ``'``, or ending with a backslash: bash expands or ends its quotes, or Hydra reads
another name (test_h546_suggested_drop_pasted_in_bash). README says so beside the example,
and points at the command the refusal suggests, quoted for bash (h551)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from hydra.core.override_parser.overrides_parser import OverridesParser

README = Path(__file__).resolve().parents[2] / "README.md"
EXAMPLE = "\"dataset.drop_columns='Unnamed: 0'\""
NAMES = ["a$b", "a`id`", 'say "hi"', "it's", "ends\\"]


def _as_the_readme_writes(name: str) -> str | None:
    """The column ``name`` written as README's example writes one, pasted into bash and read
    by Hydra; ``None`` where bash or Hydra refuses it."""
    done = subprocess.run(["bash", "-c", f"printf '%s' \"dataset.drop_columns='{name}'\""],
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode:
        return None
    try:
        return OverridesParser.create().parse_override(done.stdout).value()
    except Exception:
        return None


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize("name", NAMES)
def test_the_readme_way_fails_for_these_names(name):
    assert _as_the_readme_writes(name) != name
    assert _as_the_readme_writes("Unnamed: 0") == "Unnamed: 0"


def test_the_readme_says_so_beside_its_example():
    text = README.read_text(encoding="utf-8")
    assert EXAMPLE in text
    after = text[text.index(EXAMPLE):][:700]
    for mark in ("`$`", "backquote", '`"`', "`'`", "backslash"):
        assert mark in after, (mark, after)
    assert "the refusal" in after and "quoted for bash" in after, after
