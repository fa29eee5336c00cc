"""More gradient canaries than a model's trained parameters, where its frozen ones made the
config's count (every parameter) pass: mia-train dataset=breast_cancer defense=dp
attack.audit=one_run attack.white_box=true attack.audit_gradient_canaries=100
model=custom model._target_=pkg.FrozenFirstLayer (34 trained of 530) was refused at DP-SGD's
first step with 'more than the model's 34 parameters ...; lower it', naming neither how far
nor why 34 (h583)."""

from __future__ import annotations

import pytest
import torch

from mia_defense.audit import DiracCanaryAudit
from mia_defense.defenses.dp_stacked import gradient_canaries
from mia_defense.errors import ConfigError
from tests.audit.test_gradient_canaries import _steps


def test_the_refusal_says_how_many_and_that_frozen_parameters_take_none():
    with gradient_canaries(DiracCanaryAudit(num=100, seed=0)):
        dp = _steps(0, models=1, sigma=1.0)
    with pytest.raises(ConfigError) as caught:
        dp.noisy_grads({"w": torch.zeros(1, 34)}, ["w"], torch.ones(1, dtype=torch.bool))
    assert str(caught.value) == (
        "attack.audit_gradient_canaries=100: more than the model's 34 parameters (each canary "
        "needs its own coordinate); lower it to at most 34 (e.g. "
        "attack.audit_gradient_canaries=17), or set attack.white_box=false for the black-box "
        "audit alone; only trained parameters count: frozen ones (requires_grad=False) take "
        "no canary")
