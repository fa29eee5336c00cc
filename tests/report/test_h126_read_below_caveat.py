"""mia-report carries the caveat of the run's table (`_read_below_lines`) on the ranked
figure: the strongest attack's TPR at 0.1% FPR read at an FPR below half of it (results.json's
``fpr_read@0.1%fpr``), where tied scores span 0.1%, is the TPR where they start, not a
figure at 0.1%."""

from __future__ import annotations

from mia_defense.report import load_runs
from tests.report.fake_runs import make_run, rewrite_results


def _read_notes(loaded):
    return [note for _, note in loaded.caveats if "is read at FPR" in note]


def _read_at(value):
    def change(payload):
        payload["attacks"][payload["strongest_attack"]]["fpr_read@0.1%fpr"] = value
    return change


def test_a_leakage_figure_read_far_below_its_fpr_is_read_with_care(tmp_path):
    sweep = tmp_path / "sweep"
    make_run(sweep / "tied", test_accuracy=0.9, signal=2.0, nonmember_scores=2000)
    payload = rewrite_results(sweep / "tied", _read_at(0.0002))
    make_run(sweep / "fine", test_accuracy=0.9, signal=2.0, seed=1, nonmember_scores=2000)
    rewrite_results(sweep / "fine", _read_at(0.001))
    make_run(sweep / "old", test_accuracy=0.9, signal=2.0, seed=2, nonmember_scores=2000)
    for run in ("tied", "fine"):  # (figures its scores do not give: refused where it has them)
        (sweep / run / "scores.npz").unlink()
    (note,) = _read_notes(load_runs([sweep]))
    name = payload["strongest_attack"]
    assert note == (f"its tpr@0.1%fpr is read at FPR 0.02% (attacks.{name}.fpr_read@0.1%fpr): "
                    f"tied scores of {name} span 0.1%, so it is the TPR where they start, not "
                    "a figure at 0.1%; compare it at another FPR")
