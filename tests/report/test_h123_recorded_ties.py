"""results.json's ``attacks.<name>.nonmember_top_ties`` drives the caveat on a TPR that tied
scores leave unresolved (h120), but was taken on its word: 11 of 2,000 non-member scores tied
at the top, edited to 1 (or the field deleted), and the run stood caveat-free on the front.
Where its scores.npz holds the scores its AUC was measured on, the report counts the ties
there: a recorded count they contradict is refused as other edits are, a missing one counted."""

from __future__ import annotations

import shutil

from mia_defense.report import load_runs
from tests.report.fake_runs import make_run, rewrite_results, tie_top_scores


def _tie_notes(loaded):
    return [note for _, note in loaded.caveats if "rests on tied scores" in note]


def _record(run_dir, ties):
    def change(payload):
        payload["attacks"][payload["strongest_attack"]]["nonmember_top_ties"] = ties

    rewrite_results(run_dir, change)


def test_a_count_of_ties_edited_down_is_refused(tmp_path):
    run_dir = tmp_path / "sweep" / "tied"
    make_run(run_dir, test_accuracy=0.9, signal=2.0, nonmember_scores=2000)
    tie_top_scores(run_dir, 11)
    assert len(_tie_notes(load_runs([run_dir]))) == 1
    for edited in (1, 2, None):
        _record(run_dir, edited)
        loaded = load_runs([run_dir])
        if edited is None:  # no count: its scores' is the caveat's
            assert len(_tie_notes(loaded)) == 1 and "11 of its 2000" in _tie_notes(loaded)[0]
            continue
        assert not loaded.runs and not _tie_notes(loaded)
        (_, reason), = loaded.skipped
        assert reason.startswith(
            f"attacks.lira.nonmember_top_ties is {edited!r}, but its scores in scores.npz "
            "(their AUC the one results.json records) give 11 non-member scores tied at the "
            "highest one: results.json was edited after the run")


def test_a_deleted_count_of_ties_is_counted_from_the_scores(tmp_path):
    run_dir = tmp_path / "tied"
    make_run(run_dir, test_accuracy=0.9, signal=2.0, nonmember_scores=2000)
    tie_top_scores(run_dir, 11, record=False)
    notes = _tie_notes(load_runs([run_dir]))
    assert len(notes) == 1
    assert notes[0].startswith("its tpr@0.1%fpr rests on tied scores: 11 of its 2000 ")


def test_scores_of_another_run_neither_refuse_the_run_nor_clear_its_caveat(tmp_path):
    run_dir, other = tmp_path / "tied", tmp_path / "other"
    make_run(run_dir, test_accuracy=0.9, signal=2.0, nonmember_scores=2000)
    tie_top_scores(run_dir, 11)
    make_run(other, test_accuracy=0.9, signal=2.0, seed=1, nonmember_scores=2000)
    shutil.copy(other / "scores.npz", run_dir / "scores.npz")  # (no ties at the top)
    loaded = load_runs([run_dir])
    assert [r.path for r in loaded.runs] == [run_dir]
    assert len(_tie_notes(loaded)) == 1
