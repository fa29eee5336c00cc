"""A field mia-train writes on every run and a caveat is drawn from, deleted from its
results.json, took the caveat with it without a word: ``utility.
test_accuracy_models_at_chance`` (3 of 8 models at chance, train.lr=0.2), ``data_duplicates``,
and ``privacy.epsilon_refuted`` with its headline copy (a refuted ε read as a sound one).
The run now has a caveat naming the field (h294)."""

from __future__ import annotations

import pytest

from mia_defense.report.checks import caveats
from tests.report.fake_runs import make_run


def _payload(tmp_path):
    payload = make_run(tmp_path / "run", test_accuracy=0.8, signal=1.0, defense="dp",
                       epsilon=8.0)  # fmt: skip
    payload["utility"]["test_accuracy_models_at_chance"] = 3
    payload["privacy"].update(epsilon_refuted=False, outputs_saturated=None)
    payload.update(timings={"training": 1.0}, data_duplicates=0, test_size=797)
    return payload


@pytest.mark.parametrize(
    ("delete", "named"),
    [
        (None, None),
        (lambda p: p["utility"].pop("test_accuracy_models_at_chance"),
         "utility.test_accuracy_models_at_chance (whether some of its models are at chance)"),
        (lambda p: p.pop("data_duplicates"), "no data_duplicates"),
        (lambda p: p["privacy"].pop("epsilon_refuted"), "no privacy.epsilon_refuted"),
        # mia-attack's record carries the run's; a tool of your own, or a run of before
        # 2026-11-30, writes no timings
        (lambda p: (p.pop("data_duplicates"), p.update(source={"path": "run"})), None),
        (lambda p: (p.pop("data_duplicates"), p.pop("timings")), None),
    ],
)  # fmt: skip
def test_caveat_fields_deleted(tmp_path, delete, named) -> None:
    payload = _payload(tmp_path)
    if delete is not None:
        delete(payload)
    said = [note for note in caveats(payload) if note.startswith("results.json records no")]
    if named is None:
        assert not said
    else:
        (note,) = said
        assert named in note and "deleted, or written before runs recorded it" in note
