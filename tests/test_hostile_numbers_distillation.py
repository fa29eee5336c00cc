"""A long distillation phase is announced, not silent."""

from __future__ import annotations

import logging

import pytest

from mia_defense.defenses import Distillation
from tests.defenses.reference_runs import train_three


@pytest.mark.slow  # 1.4 s: three models trained and distilled
def test_the_distillation_phase_is_announced(caplog):
    # after the teachers' progress bar ended, the students trained for
    # defense.distillation.epochs without a word (1e8 epochs: days of silence)
    with caplog.at_level(logging.INFO, logger="mia_defense.defenses.distillation"):
        train_three(lambda: [Distillation(epochs=2)], stacked=True, arch="mlp")
    assert "distillation: training 3 student(s) on the" in caplog.text
    assert "reference samples for 2 epoch(s) (defense.distillation.epochs)" in caplog.text
