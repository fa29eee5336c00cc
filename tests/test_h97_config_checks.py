"""Config checks added by helper h97: a DP target ε too large to mean anything, the base
classes of releases and training defenses named as a ``_target_``."""

from __future__ import annotations

import pytest

from mia_defense.config import check_config
from mia_defense.defenses.dp import DPSGD
from mia_defense.errors import ConfigError


@pytest.mark.parametrize("epsilon", [1000.000001, 1e4, 1e308])
def test_a_target_epsilon_past_the_ceiling_is_refused(make_cfg, epsilon: float) -> None:
    """defense.dp.target_epsilon=1e308 trained with σ = 1e-100 (no noise at all) and
    recorded a DP run whose ε 8.8e200 was 'valid'."""
    with pytest.raises(ConfigError) as refused:
        check_config(make_cfg("defense=dp", f"defense.dp.target_epsilon={epsilon!r}"))
    said = str(refused.value)
    assert said.startswith(f"defense.dp.target_epsilon={epsilon}: above 1000, where ε "
                           "guarantees nothing")  # fmt: skip
    assert "choose target_epsilon <= 1000" in said
    assert "noise_multiplier=0 and target_epsilon=null" in said


@pytest.mark.parametrize("epsilon", [0.5, 8.0, 1000.0])
def test_a_target_epsilon_up_to_the_ceiling_is_accepted(epsilon: float) -> None:
    assert DPSGD(target_epsilon=epsilon).target_epsilon == epsilon


@pytest.mark.parametrize(("overrides", "key", "valid"), [
    (["release._target_=mia_defense.defenses.Release"], "release._target_",
     "mia_defense.defenses.FullRelease, mia_defense.defenses.LabelOnlyRelease, "
     "mia_defense.defenses.NoiseRelease, mia_defense.defenses.RoundingRelease, "
     "mia_defense.defenses.TemperatureRelease, mia_defense.defenses.TopKRelease"),
    (["release._target_=mia_defense.defenses.release.Release"], "release._target_",
     "mia_defense.defenses.FullRelease, "),
    (["defense=dropout", "defense.dropout._target_=mia_defense.defenses.TrainingDefense",
      "~defense.dropout.p"], "defense.dropout._target_",
     "mia_defense.defenses.AdversarialRegularization, mia_defense.defenses.DPSGD, "),
])  # fmt: skip
def test_a_base_class_as_target_is_refused_naming_the_valid_ones(
    make_cfg, overrides: list[str], key: str, valid: str
) -> None:
    """release._target_=mia_defense.defenses.Release released the full outputs, and
    TrainingDefense as defense.dropout trained without any defense, both accepted without
    a word (results.json: release 'full', defense 'none')."""
    said = rf"{key}=.*: (Release|TrainingDefense) is the base class of every (release|training "
    with pytest.raises(ConfigError, match=said + "defense), not one") as refused:
        check_config(make_cfg(*overrides))
    assert f"point it at one of {valid}" in str(refused.value)
