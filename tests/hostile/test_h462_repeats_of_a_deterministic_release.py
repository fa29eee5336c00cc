"""attack.queries.repeats given for a deterministic release was dropped unsaid: mia-train
release=label_only attack.queries.repeats=64 (release=full too) asked each query once, as it
must, and the run read as one whose attacker had repeated its queries 64 times
(api.observe_models(..., repeats=64) alike). It is now said before any query, where the
value differs from the packaged config's, an override set it, or the API's argument gave it;
the untouched default and a randomized release (release=noise) stay silent."""

from __future__ import annotations

import logging

import pytest

from mia_defense.config_keys import packaged_setting
from mia_defense.defenses.release import LabelOnlyRelease
from mia_defense.queries import QueryConfig, warn_unused_repeats
from tests.hostile.test_h462_max_shift_on_flat_samples import train_log, warned_observing

SAID = "the release is deterministic (it answers a query the same every time)"
DEFAULT = packaged_setting("attack", "default", ["queries", "repeats"])


def _said(caplog, queries, *, randomized=False, **given) -> list[str]:
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        warn_unused_repeats(queries, randomized=randomized, **given)
    return [m for m in caplog.messages if SAID in m]


@pytest.mark.parametrize(("repeats", "given"), [
    (64, {}),
    (DEFAULT, {"overrides": [f"attack.queries.repeats={DEFAULT}"]}),  # (a typed default)
    (DEFAULT, {"typed": True, "key": "repeats"}),
])
def test_repeats_given_for_a_deterministic_release_are_said(caplog, repeats, given):
    (said,) = _said(caplog, QueryConfig(repeats=repeats), **given)
    assert said.startswith(f"{given.get('key', 'attack.queries.repeats')}={repeats}: ")


@pytest.mark.parametrize(("repeats", "randomized", "overrides"), [
    (DEFAULT, False, ()),  # the default
    (64, True, ["attack.queries.repeats=64"]),  # a randomized release asks them
    (DEFAULT, False, ["~attack.queries.repeats"]),
    (1, False, ["attack.queries.repeats=1"]),  # (asked once, as it is)
])
def test_repeats_asked_or_untouched_are_not(caplog, repeats, randomized, overrides):
    assert _said(caplog, QueryConfig(repeats=repeats), randomized=randomized,
                 overrides=overrides) == []


def test_observe_models_says_it(caplog):
    said = warned_observing(caplog, release=LabelOnlyRelease(), repeats=64)
    assert any(m.startswith(f"repeats=64: {SAID}") for m in said)


def test_mia_train_says_it(tmp_path, monkeypatch):
    log = train_log(tmp_path, monkeypatch, "release=label_only", "attack.queries.repeats=64")
    assert f"attack.queries.repeats=64: {SAID}" in log
