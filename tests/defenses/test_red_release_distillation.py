"""Distillation temperatures the students' float32 loss cannot resolve are refused."""

from __future__ import annotations

import pytest

from mia_defense.defenses import Distillation
from mia_defense.errors import ConfigError


@pytest.mark.parametrize("temperature", [1e8, 1e20, 1e-30])
def test_unresolvable_temperature_is_refused(temperature: float) -> None:
    # 1e8 trained students at 0.57 accuracy (0.80 at 4), 1e20 diverged with a "lower the
    # learning rate" hint, 1e-30 left them at chance: all silently or misleadingly
    with pytest.raises(ConfigError, match=r"defense\.distillation\.temperature=.*must lie in"):
        Distillation(temperature=temperature)


@pytest.mark.parametrize("temperature", [1e-4, 0.5, 4.0, 1e6])
def test_usable_temperatures_are_accepted(temperature: float) -> None:
    assert Distillation(temperature=temperature).temperature == temperature


@pytest.mark.slow  # 5 s: builds two experiments
def test_the_divergence_hint_names_the_students_learning_rate(make_cfg) -> None:
    # defense.distillation.lr=1e300 diverged with "likely cause: train.lr=0.001,
    # defense.distillation.temperature=4.0": the key at fault went unnamed
    from mia_defense.cli.build import build_experiment
    from mia_defense.experiment import _divergence_hint

    experiment = build_experiment(make_cfg("defense=distillation", "plan.reference_size=100",
                                           "defense.distillation.lr=1e300"))
    assert "defense.distillation.lr=1e+300" in _divergence_hint(experiment)
    plain = build_experiment(make_cfg("defense=distillation", "plan.reference_size=100"))
    assert "distillation.lr" not in _divergence_hint(plain)  # null: the recipe's, not a cause
