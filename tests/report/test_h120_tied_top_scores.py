"""A TPR at an FPR that tied scores leave unresolved is a caveat, as one on too few non-member
scores is: coarse released outputs (release=label_only at plan.num_models=4 on digits) gave
11 of 2,000 non-member scores the strongest attack's highest one, so no threshold reached an
FPR between 0 and 0.55%; its TPR@0.1%FPR read 0.0000 [0.0000, 0.0000] and the run stood alone
on the Pareto front as the most private (the full release measured 0.006), with no word."""

from __future__ import annotations

import numpy as np

from mia_defense.metrics.roc import top_tied_nonmembers
from mia_defense.report import load_runs
from tests.helpers import mia_train
from tests.report.fake_runs import make_run, tie_top_scores


def _tie_notes(loaded):
    return [note for _, note in loaded.caveats if "rests on tied scores" in note]


def test_top_tied_nonmembers_counts_the_non_members_sharing_the_highest_score():
    members = np.array([[True, False, False, False], [False, True, False, False]])
    scores = np.array([[9.0, 2.0, 2.0, 1.0], [np.nan, 5.0, 2.0, 0.0]])
    assert top_tied_nonmembers(scores, members) == 3  # the member's 9 and 5 left aside
    assert top_tied_nonmembers(np.full((1, 3), np.nan), np.zeros((1, 3), bool)) == 3
    assert top_tied_nonmembers(scores, np.ones_like(members)) is None


def test_a_tpr_below_the_top_ties_of_its_scores_is_read_with_care(tmp_path):
    sweep = tmp_path / "sweep"
    make_run(sweep / "tied", test_accuracy=0.9, signal=2.0, nonmember_scores=2000)
    tie_top_scores(sweep / "tied", 11)  # 0.55% of the non-member scores: 0.1% is not resolved
    make_run(sweep / "fine", test_accuracy=0.9, signal=2.0, seed=1, nonmember_scores=2000)
    tie_top_scores(sweep / "fine", 2)  # 0.1% exactly: a threshold reaches it
    make_run(sweep / "old", test_accuracy=0.9, signal=2.0, seed=2, nonmember_scores=2000)
    notes = _tie_notes(load_runs([sweep]))
    assert len(notes) == 1
    assert notes[0].startswith("its tpr@0.1%fpr rests on tied scores: 11 of its 2000 "
                               "non-member scores share ")
    assert "(an FPR of 0.55%)" in notes[0]


def test_label_only_at_four_models_records_its_ties_and_is_read_with_care(tmp_path):
    run_dir = tmp_path / "run"
    # (TensorBoard's figures and the bootstrap intervals: 2.4 of the run's 3.6 s CPU, not read)
    done = mia_train("release=label_only", "plan.num_models=4", "train.epochs=10",
                     "progress=false", "figures=false", "attack.bootstrap=0",
                     "attack.attacks.shokri.classifier=logistic", f"hydra.run.dir={run_dir}",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = load_runs([run_dir])
    payload = loaded.runs[0].payload
    strongest = payload["attacks"][payload["strongest_attack"]]
    assert strongest["nonmember_top_ties"] > 0.001 * payload["nonmember_scores"]
    assert len(_tie_notes(loaded)) == 1
    ties, count = strongest["nonmember_top_ties"], payload["nonmember_scores"]
    assert (f"NOTE: {ties} of the {count} non-member scores share "
            f"{payload['strongest_attack']}'s highest one") in done.stdout
