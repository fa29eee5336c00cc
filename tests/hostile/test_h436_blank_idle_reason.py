"""h436: a user's defense whose ``idle_reason`` returned "" or only whitespace (or only
control characters) was recorded in results.json's training.defenses_idle with an empty
reason: the log said 'DEFENSE DID NOT ACT:  (results.json records it ...' and mia-report
'defense quiet did not act: ' with nothing after. A reason blank once made one line is no
reason, read as the contract reads None: the defense acted, or cannot tell."""

from __future__ import annotations

import logging

import pytest

from tests.hostile.test_h433_idle_reason_checked import _idle


@pytest.mark.parametrize("reason", ["", "   ", "\n\t", "\x00\x1b", "\u200b"])
def test_a_blank_reason_is_no_reason(reason, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        assert _idle(reason) == []
    assert not [m for m in caplog.messages if "DEFENSE DID NOT ACT" in m]


def test_a_reason_with_words_around_blanks_is_kept() -> None:
    assert _idle("  \n not one step \t") == [{"defense": "quiet", "reason": "not one step"}]
