"""runner.evaluate (in the module's __all__) read truth with np.asarray(dtype=bool): a
label 2 or -1 counted as a member, and the AUC of a truth nobody gave came out (1.0 here
for 0.5), silently. It reads truth as roc_metrics reads is_member."""

import numpy as np
import pytest

from mia_defense.attacks.runner import EvaluationConfig, evaluate
from mia_defense.errors import DataError

SCORES = np.array([[0.1, 0.9, 0.4, 0.6]])
CONFIG = EvaluationConfig(fprs=(0.1,), bootstrap=0)


def test_0_1_truth_gives_the_hand_computed_auc():
    # members 0.9 and 0.4 against non-members 0.1 and 0.6: 3 of 4 pairs ordered, AUC 0.75
    result = evaluate("a", SCORES, np.array([[0, 1, 1, 0]]), targets=np.array([0]), config=CONFIG)
    assert result.metrics.auc == pytest.approx(0.75)


def test_truth_other_than_0_1_is_refused():
    with pytest.raises(DataError, match="evaluate: truth holds 2"):
        evaluate("a", SCORES, np.array([[0, 2, 0, -1]]), targets=np.array([0]), config=CONFIG)
