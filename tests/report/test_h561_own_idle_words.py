"""A defense of one's own without the idle_models hook records no count (mia-train writes
its training.defenses_idle entry without ``idle_models`` and ``models``: idle in every
model, mia-report reads), but mia-report read one off its reason's words where they held
"N of the M model(s)", the path kept for runs written before the fields, which only
mia-defense's own defenses word so: 'stopped in epoch 1 in 3 of the 4 model(s); it never
reached its threshold' marked the run 'did not act in 3 of 4 models'. The words of a defense
of one's own are not read as a count; a built-in's of a run before the fields still are."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from mia_defense.defenses.base import TrainingDefense
from mia_defense.pipeline import train
from mia_defense.report.checks.notes import caveats, idle_counts, idle_defense_notes
from mia_defense.report.runs import load_runs
from mia_defense.report.table import summarise
from mia_defense.tracking import read_json
from mia_defense.tracking.run_dir import RESULTS
from tests.report.fake_runs import make_run, rewrite_results

_WORDS = "it never reached its threshold; 3 of the 4 model(s) stopped in epoch 1"


class Uncounted(TrainingDefense):
    """A defense of one's own with an idle_reason and no idle_models hook."""

    name = "uncounted"

    def idle_reason(self, stats, *, epochs):
        return _WORDS


def _entry() -> dict:
    """training.defenses_idle's entry of `Uncounted` over 4 models, as mia-train writes it."""
    experiment = SimpleNamespace(build_defenses=lambda: [Uncounted()],
                                 train=SimpleNamespace(epochs=3))  # fmt: skip
    ensemble = SimpleNamespace(histories=[SimpleNamespace(stats={}) for _ in range(4)])
    (entry,) = train.idle_defenses(experiment, ensemble)
    return entry


def _run(tmp_path, name: str, target: str, entry: dict):
    run_dir = tmp_path / "runs" / name
    make_run(run_dir, test_accuracy=0.85, signal=0.1, defense=name,
             config={f"defense.{name}._target_": target})  # fmt: skip
    rewrite_results(run_dir, lambda p: p.setdefault("training", {}).update(
        defenses_idle=[entry]))
    return run_dir


def test_mia_train_records_no_count_for_it():
    assert _entry() == {"defense": "uncounted", "reason": _WORDS}


def test_its_words_are_not_read_as_a_count(tmp_path):
    run_dir = _run(tmp_path, "uncounted", "mypkg.Uncounted", _entry())
    payload = read_json(run_dir / RESULTS)
    assert idle_counts(payload) == ((4, 4),)
    said = f"defense uncounted did not act: {_WORDS}"
    assert idle_defense_notes(payload) == [said]
    assert said in caveats(payload)
    (run,) = load_runs([tmp_path / "runs"]).runs
    (summary,) = summarise([run])
    assert summary.idle_models == ((4, 4),)


@pytest.mark.parametrize("target", ["mypkg.MyRelaxLoss", "mypkg.relaxloss.RelaxLoss"])
def test_ones_own_under_a_built_in_name_is_not_read_either(tmp_path, target):
    """A subclass of a built-in keeps its name (README): its target is the user's."""
    reason = "defense.relaxloss: ... in the training of 2 of the 4 model(s) ..."
    run_dir = _run(tmp_path, "relaxloss", target, {"defense": "relaxloss", "reason": reason})
    assert idle_counts(read_json(run_dir / RESULTS)) == ((4, 4),)


def test_a_built_in_run_before_the_fields_is_read_as_before(tmp_path):
    reason = "defense.relaxloss: ... in the training of 2 of the 4 model(s) ..."
    run_dir = _run(tmp_path, "relaxloss", "mia_defense.defenses.RelaxLoss",
                   {"defense": "relaxloss", "reason": reason})  # fmt: skip
    assert idle_counts(read_json(run_dir / RESULTS)) == ((2, 4),)
