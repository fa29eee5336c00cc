"""h433: a user's defense's ``idle_reason`` was written into results.json's
``training.defenses_idle`` as it returned it, unchecked (h390): an int was recorded as a
number, an object by its repr, and a megabyte reason with line breaks and a terminal's escape
codes whole into results.json and the log, where its second line read as a log line of its
own (mia-train +defense.quiet._target_=my.Quiet). A reason that is no str is refused now,
naming the defense class; the rest is kept to one printable line of bounded length."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from mia_defense.defenses.base import TrainingDefense
from mia_defense.errors import ConfigError
from mia_defense.pipeline import train


class Quiet(TrainingDefense):
    name = "quiet"

    def __init__(self, reason: object) -> None:
        self.reason = reason

    def idle_reason(self, stats, *, epochs):
        return self.reason


def _idle(reason: object) -> list[dict[str, str]]:
    experiment = SimpleNamespace(build_defenses=lambda: [Quiet(reason)],
                                 train=SimpleNamespace(epochs=3))  # fmt: skip
    ensemble = SimpleNamespace(histories=[SimpleNamespace(stats={}) for _ in range(2)])
    return train.idle_defenses(experiment, ensemble)


@pytest.mark.parametrize("reason", [3, True, b"idle", object(), ["idle"]])
def test_a_reason_that_is_no_text_is_refused_naming_the_defense(reason) -> None:
    kind = type(reason).__name__
    with pytest.raises(ConfigError, match=rf"^defense Quiet: its idle_reason must give a str .* "
                                          rf"or None .*, not {kind}$"):  # fmt: skip
        _idle(reason)


def test_a_long_reason_with_line_breaks_is_kept_to_one_printable_line(caplog) -> None:
    reason = "did not act\nWARNING forged line\x1b[2J\r\t" + "x" * 1_000_000
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        (idle,) = _idle(reason)
    assert idle["defense"] == "quiet"
    kept = idle["reason"]
    assert kept.startswith("did not act WARNING forged line [2J")
    assert kept.isprintable() and len(kept) <= train._IDLE_REASON_CHARS < len(reason)
    (said,) = [m for m in caplog.messages if "DEFENSE DID NOT ACT" in m]
    assert said.isprintable() and kept in said


def test_a_reason_of_one_line_and_none_are_recorded_as_given() -> None:
    reason = "defense.quiet: 2 of the 2 model(s) trained as without the defense"
    assert _idle(reason) == [{"defense": "quiet", "reason": reason}]
    assert _idle(None) == []
