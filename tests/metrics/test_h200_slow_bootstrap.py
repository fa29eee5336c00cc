"""A bootstrap of hours was not announced (helper 200): attack.bootstrap=100000 on digits
(4 models) spent 6 s per attack after training; on 16 targets of 10,000 records that is
about an hour, each attack's line minutes apart. The attack stage now says so first."""

from __future__ import annotations

import logging

from mia_defense.attacks.runner import EvaluationConfig
from mia_defense.pipeline.evaluate import _warn_slow_bootstrap


def test_a_long_bootstrap_is_announced(caplog):
    config = EvaluationConfig(fprs=(0.1, 0.01, 0.001), bootstrap=100_000)
    with caplog.at_level(logging.WARNING):
        _warn_slow_bootstrap(config, num_attacks=12, num_scores=160_000)
    assert ("attack.bootstrap=100000: the confidence intervals resample the 160000 scores of "
            "each of the 12 attacks that many times (1.9e+11 draws), about 64 min") in caplog.text
    assert "Lower attack.bootstrap" in caplog.text


def test_the_default_bootstrap_is_not(caplog):
    config = EvaluationConfig(fprs=(0.1, 0.01, 0.001), bootstrap=200)
    with caplog.at_level(logging.WARNING):
        _warn_slow_bootstrap(config, num_attacks=12, num_scores=160_000)
    assert not caplog.text
