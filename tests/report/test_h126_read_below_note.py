"""mia-train's table says where an attack's TPR column is read at an FPR below half its own
because tied scores span it (release=label_only at plan.num_models=4: lira_online's
TPR@10%FPR 0.051, read at FPR 2.9%, looked below chance at an AUC of 0.520, without a word;
the notes named only ties at the strongest attack's top score and too few non-member
scores)."""

from __future__ import annotations

from mia_defense.pipeline.evaluate import fpr_read_key
from mia_defense.report.run_table import format_table
from tests.metrics.test_h126_fpr_read import audit, coarse_scores, fine_scores

FPRS = [0.001, 0.01, 0.1]


def _notes(table: str) -> list[str]:
    return [line for line in table.splitlines() if line.startswith("NOTE: tied scores span")]


def test_a_column_read_far_below_its_fpr_is_noted_with_the_fpr_read():
    result = audit({"coarse": coarse_scores, "fine": fine_scores})
    read = result.attacks["coarse"][fpr_read_key(0.1)]
    (note,) = _notes(format_table(result, FPRS))
    assert f": coarse 10% -> {100 * read:.2g}%; there the TPR is not a figure at" in note
    assert "fine" not in note
    assert note.endswith("compare at another FPR (attack.fprs) or by the AUC")


def test_no_note_where_nothing_is_tied():
    result = audit({"fine": fine_scores, "other": lambda obs, t: 2 * fine_scores(obs, t)})
    table = format_table(result, FPRS)
    assert _notes(table) == []
    # (500 records pooled over the targets: the note that they are fewer than 1/FPR)
    assert [line for line in table.splitlines() if "NOTE" in line] == [
        line for line in table.splitlines() if line.startswith("NOTE: the 1000 non-member "
                                                               "scores are of 500 distinct")]
