"""mia-train release=label_only attack.queries.num_augmented=100000 (K=2, digits: 2e8
answers, under the 1e10 cap) worked for over ten minutes without a word under
progress=false (h444). `check_release_queries` now says, before any model is trained, how
many answers the release is asked and about how long that takes, where a minute or more, and
from some minutes on (a WARNING) which keys to lower; the default run says nothing."""

from __future__ import annotations

import logging

import pytest

from mia_defense.queries import (
    ANSWERS_PER_SECOND,
    SAY_ANSWERS_FROM_S,
    WARN_ANSWERS_FROM_S,
    QueryConfig,
    check_release_queries,
)

MODELS, RECORDS = 2, 1000


def _copies(seconds: float) -> int:
    """num_augmented whose answers take about ``seconds`` at the rate said."""
    return int(seconds * ANSWERS_PER_SECOND / (MODELS * RECORDS))


def _said(caplog, num_augmented: int, *, randomized: bool = False, repeats: int = 1):
    queries = QueryConfig(num_augmented=num_augmented, repeats=repeats)
    with caplog.at_level(logging.INFO, logger="mia_defense.queries"):
        check_release_queries(queries, randomized=randomized, models=MODELS, records=RECORDS)
    return [(r.levelno, r.getMessage()) for r in caplog.records]


def test_the_default_queries_say_nothing(caplog):
    assert _said(caplog, 8) == []
    assert _said(caplog, _copies(SAY_ANSWERS_FROM_S / 2)) == []


def test_a_minute_or_more_is_said(caplog):
    copies = _copies((SAY_ANSWERS_FROM_S + WARN_ANSWERS_FROM_S) / 2)
    ((level, said),) = _said(caplog, copies)
    total = MODELS * RECORDS * (1 + copies)
    assert level == logging.INFO
    assert said.startswith(f"attack.queries.num_augmented={copies}: the release is asked "
                           f"{total:.2g} answers")
    assert "minute(s)" in said and "lower" not in said


@pytest.mark.parametrize("randomized", [False, True])
def test_some_minutes_or_more_name_the_keys_to_lower(caplog, randomized):
    copies = _copies(2 * WARN_ANSWERS_FROM_S) // (4 if randomized else 1)
    ((level, said),) = _said(caplog, copies, randomized=randomized, repeats=4)
    assert level == logging.WARNING
    assert "lower attack.queries.num_augmented (default 8)" in said
    assert ("attack.queries.repeats" in said) is randomized

