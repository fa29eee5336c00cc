"""``privacy.attacks_inverted`` (``white_box_attacks_inverted``) deleted from a run's
results.json (a real run with an attack of its own of the wrong sign, AUC 0.380 beside the
others' 0.567) took away the caveat that its leak is understated: the report now applies
the run's rule to the attacks' recorded AUCs where the field is missing (h294)."""

from __future__ import annotations

import pytest

from mia_defense.report.runs import load_runs
from tests.report.fake_runs import make_run, rewrite_results


@pytest.mark.parametrize("recorded", [True, False])
@pytest.mark.parametrize(("access", "field", "start"), [
    ("outputs", "attacks_inverted", "attack scores inverted"),
    ("weights", "white_box_attacks_inverted", "white-box attack scores inverted"),
])  # fmt: skip
def test_inverted_scores_without_the_field(tmp_path, recorded, access, field, start) -> None:
    make_run(tmp_path / "run", test_accuracy=0.8, signal=0.1)

    def change(payload):
        payload["attacks"]["inv"] = {"access": access, "auc": 0.3, "auc_ci_low": 0.25,
                                     "auc_ci_high": 0.35}  # fmt: skip
        if recorded:
            payload["privacy"][field] = "inv AUC 0.300 (its run's words)"

    rewrite_results(tmp_path / "run", change)
    loaded = load_runs([tmp_path])
    (note,) = [n for _, n in loaded.caveats if n.startswith(start)]
    if recorded:
        assert note.endswith("inv AUC 0.300 (its run's words)")
    else:
        assert "inv AUC 0.300 (flipped: 0.700): found by the report" in note
