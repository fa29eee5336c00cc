"""docs/run_directory.md's ``training.defenses_idle`` said an ``idle_reason`` is kept on one
printable line but not that one blank there ("", spaces, control characters) reads as None
and is not recorded (e2d843d6): a user reading it expected a row with an empty reason. The
doc says so now; checked against `pipeline.train.idle_defenses` with those reasons."""

from __future__ import annotations

from pathlib import Path

import pytest

from mia_defense.pipeline.train import _IDLE_REASON_CHARS
from tests.hostile.test_h433_idle_reason_checked import _idle

DOC = Path(__file__).resolve().parents[2] / "docs" / "run_directory.md"


def _field() -> str:
    text = " ".join(DOC.read_text(encoding="utf-8").split())
    return text[text.index("`defenses_idle`"):][:1200]


def test_the_doc_says_a_blank_reason_is_not_recorded():
    field = _field()
    assert "reads as `None`: nothing recorded" in field, field
    assert f"at most {_IDLE_REASON_CHARS} characters" in field


@pytest.mark.parametrize("reason", ["", "   ", "\x00\x1b"])
def test_the_blank_reasons_the_doc_names_record_nothing(reason):
    assert _idle(reason) == []
