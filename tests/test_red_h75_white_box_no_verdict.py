"""A run at chance utility whose only leaking attack is white-box (it reads the weights,
which no release lets out) gets no ``leak_without_utility`` verdict: white-box attacks never
decide the verdict (README, "Attacks and metrics"). The same scores from a black-box attack
do set it."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from mia_defense.attacks.runner import EvaluationConfig, evaluate
from mia_defense.pipeline.trust_checks import _check_leak_without_utility

UTILITY = {"test_accuracy": 0.1, "chance_accuracy": 0.112, "train_accuracy": 1.0}


@pytest.mark.parametrize(("access", "flagged"), [("weights", False), ("outputs", True)])
def test_only_black_box_leaks_decide_the_chance_utility_verdict(access: str, flagged: bool):
    rng = np.random.default_rng(0)
    masks = rng.random((4, 500)) < 0.5
    config = EvaluationConfig(fprs=(0.1, 0.01), bootstrap=0)
    scores = rng.normal(size=(4, 500)) + 6.0 * masks  # members far above: a plain leak
    result = replace(evaluate("gradient_norm", scores, masks, targets=np.arange(4),
                              config=config), access=access)  # fmt: skip
    privacy: dict = {}
    _check_leak_without_utility(privacy, UTILITY, {"gradient_norm": result}, masks, config)
    assert privacy.get("leak_without_utility", False) is flagged
