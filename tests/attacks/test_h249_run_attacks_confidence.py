"""run_attacks refused a numeric confidence out of (0, 1) only after every attack had scored
(bootstrap_intervals' ValueError, from the metrics thread: minutes of attacks wasted at
scale). Refused up front now, in the same words, each naming its own key
("...confidence=1.5: must be a number in (0, 1), e.g. 0.95")."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.attacks import EvaluationConfig, run_attacks
from mia_defense.errors import ConfigError
from mia_defense.metrics import bootstrap_intervals
from tests.helpers import synthetic_observations


def _never(obs, targets):
    raise AssertionError("the attack ran before the settings were checked")


@pytest.mark.parametrize("confidence", [1.5, 0.0, 1.0, -0.1, float("nan")])
def test_a_confidence_out_of_range_is_refused_before_any_attack(confidence):
    obs = synthetic_observations(num_models=4, num_samples=20, signal=1.0)
    with pytest.raises(ConfigError) as metrics_said:  # the words the metrics use
        bootstrap_intervals(np.zeros(4), np.array([0, 1, 0, 1]), fprs=(0.1,),
                            confidence=confidence)
    for bootstrap in (0, 20):
        with pytest.raises(ConfigError) as runner_said:
            run_attacks(obs, {"mine": _never}, targets=np.arange(4),
                        evaluation=EvaluationConfig(bootstrap=bootstrap, confidence=confidence))
        runner, metrics = str(runner_said.value), str(metrics_said.value)
        assert runner.startswith(f"run_attacks: evaluation.confidence={confidence!r}: must be "
                                 "a number in (0, 1)")
        assert runner.removeprefix("run_attacks: evaluation.") == metrics.removeprefix(
            "bootstrap_intervals: ")
