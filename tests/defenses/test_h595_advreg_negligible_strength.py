"""An advreg strength below float32's precision did nothing, unsaid: mia-train defense=advreg
plan.reference_size=100 defense.advreg.strength=1e-9 (and 1e-12) trained models with the
train loss and test accuracy of a game whose gain gave no gradient at all (attack_lr=1e10),
bit for bit, and the run was reported as defended by advreg, where strength=0 is said
(as label smoothing and dropout below float32's precision are: test_h390)."""

from __future__ import annotations

import logging

import pytest

from mia_defense.defenses import AdversarialRegularization
from mia_defense.defenses.accounting import FLOAT32_ROUNDOFF
from mia_defense.defenses.compose import inactive_setting, warn_inactive_defenses


@pytest.mark.parametrize("strength", [1e-9, 1e-12, 5e-324, FLOAT32_ROUNDOFF / 2])
def test_a_strength_float32_cannot_show_is_said(caplog, strength):
    with caplog.at_level(logging.WARNING):
        warn_inactive_defenses([AdversarialRegularization(strength=strength)])
    said = [m for m in caplog.messages if "defense does next to nothing" in m]
    assert len(said) == 1
    assert said[0].startswith(f"defense.advreg.strength={strength:g}: below float32's precision")
    assert "choose defense.advreg.strength > 0, e.g. 3" in said[0]
    assert "undefended run's" not in said[0]  # (its evidence is advreg's own)


@pytest.mark.parametrize("strength", [FLOAT32_ROUNDOFF, 1e-3, 3.0])
def test_a_strength_that_acts_is_not_said(strength):
    assert inactive_setting(AdversarialRegularization(strength=strength)) is None
