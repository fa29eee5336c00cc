"""A run whose released answers are saturated (privacy.outputs_saturated: the attacks on
probabilities tie on them, so its figures understate the leak) goes the way of one whose
attack scores are inverted: the most leaking for a search, off the Pareto fronts (h362)."""

import math

import pytest

from mia_defense.report import objectives, write_report
from tests.report.fake_runs import make_run, rewrite_results

SATURATED = "82% of the released answers (99% of the members', 66% of the non-members')"
LEARNED = {
    "num_classes": 4, "utility_below_chance": False,
    "utility": {"test_accuracy": 0.68, "train_accuracy": 1.0, "generalization_gap": 0.32,
                "chance_accuracy": 0.26, "train_loss": 0.0, "test_loss": 9.0},
    "attacks": {"loss": {"access": "outputs", "auc": 0.6, "tpr@0.1%fpr": 0.0025}},
    "privacy": {"empirical_epsilon": 0.01, "outputs_saturated": SATURATED},
}  # fmt: skip
NAMES = ["max_attack.auc", "max_attack.tpr@0.1%fpr", "privacy.empirical_epsilon"]


@pytest.mark.parametrize("maximized", [set(), set(NAMES)])
def test_saturated_outputs_stand_in_as_the_most_leaking_whichever_way_searched(maximized):
    """A search minimising attack success was handed the tied TPR 0.0025 (the most private
    of its sweep); an attacker's, maximising, the same understated figure."""
    assert objectives(LEARNED, NAMES, maximized=maximized) == [1.0, 1.0, math.inf]


def test_a_run_of_saturated_outputs_is_kept_off_the_pareto_front_saying_why(tmp_path):
    """The saturated run sat on the front at its tied TPR and pushed off the run it seemed
    to beat; its row stays in the table, the fronts' text names it and why."""
    root = tmp_path / "sweep"
    make_run(root / "model.hidden=[64]", test_accuracy=0.85, signal=1.0)
    make_run(root / "model.hidden=[512]", test_accuracy=0.9, signal=0.1)
    rewrite_results(root / "model.hidden=[512]", lambda payload: payload["privacy"].update(
        outputs_saturated=SATURATED))
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    (front,) = report.fronts.values()
    assert [report.groups[i].label for i in front] == ["model.hidden=[64]"]
    text = (tmp_path / "out" / "README.md").read_text()
    assert "Rows of runs with saturated outputs are left off the fronts" in text
    assert "`model.hidden=[512]`: saturated outputs." in text
