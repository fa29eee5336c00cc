"""mia-report ranked a run whose results.json's training.defenses_idle had been edited to a
shape mia-train never writes as a defense that acted: a real early-stopping run that did not
act (training.defenses_idle: [{defense, reason}]), its field rewritten to "early_stopping", to
["early_stopping"] or to the entry without its list, was listed on the Pareto front as
'[early_stopping]', with no '(did not act)' and no caveat ('idle_defenses' read no entry of
any of them, silently); and an entry naming a defense the run did not have (an undefended run)
marked it 'no defense (did not act: early_stopping)'. Such a run is now skipped, naming the
field and why, as other edited figures are."""

from __future__ import annotations

import pytest

from mia_defense.report.checks import payload_problem
from mia_defense.report.runs import load_runs
from mia_defense.tracking import read_json
from mia_defense.tracking.run_dir import RESULTS
from tests.report.fake_runs import make_run, rewrite_results

ENTRY = {"defense": "early_stopping", "reason": "defense.early_stopping: 4 of the 4 ..."}


@pytest.mark.parametrize("edited", ["early_stopping", ["early_stopping"], ENTRY, [ENTRY, 3],
                                    [{"defense": "early_stopping", "reason": None}]])
def test_a_field_of_another_shape_skips_the_run(tmp_path, edited):
    run_dir = tmp_path / "es"
    make_run(run_dir, test_accuracy=0.8, signal=0.3, defense="early_stopping")
    rewrite_results(run_dir, lambda p: p.setdefault("training", {}).update(defenses_idle=[ENTRY]))
    assert payload_problem(read_json(run_dir / RESULTS)) is None  # (as mia-train writes it)
    loaded = load_runs([tmp_path])
    assert [r.name for r in loaded.runs] == ["es"]

    rewrite_results(run_dir, lambda p: p["training"].update(defenses_idle=edited))
    loaded = load_runs([tmp_path])
    assert not loaded.runs
    ((where, reason),) = loaded.skipped
    assert where == run_dir
    assert reason.startswith("training.defenses_idle is ")
    assert "not a list of {defense, reason} as mia-train writes it" in reason


def test_an_entry_naming_no_defense_of_the_run_skips_it(tmp_path):
    run_dir = tmp_path / "und"
    make_run(run_dir, test_accuracy=0.8, signal=0.3)
    rewrite_results(run_dir, lambda p: p.setdefault("training", {}).update(defenses_idle=[ENTRY]))
    loaded = load_runs([tmp_path])
    assert not loaded.runs
    ((_, reason),) = loaded.skipped
    assert reason == ("training.defenses_idle names 'early_stopping', no defense of the run "
                      "(defense.defense is 'none'): the file was edited; rerun the run")


@pytest.mark.parametrize("written", [None, []])
def test_a_field_absent_or_empty_is_read_as_before(tmp_path, written):
    run_dir = tmp_path / "es"
    make_run(run_dir, test_accuracy=0.8, signal=0.3, defense="early_stopping")
    rewrite_results(run_dir, lambda p: p.setdefault("training", {}).update(defenses_idle=written))
    assert [r.name for r in load_runs([tmp_path]).runs] == ["es"]
