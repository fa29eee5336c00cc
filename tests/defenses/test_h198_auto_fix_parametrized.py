"""defense.dp.auto_fix=true on a model with a parametrized layer (torch.nn.utils.
parametrizations.weight_norm / spectral_norm): Opacus' ModuleValidator.fix copies the model
through torch.save, which refuses parametrized modules, so the run ended in torch's bare
'RuntimeError: Serialization of parametrized modules is only supported through
state_dict()', for a BatchNorm beside weight norm (which auto_fix can fix) as for spectral
norm's buffers (which it cannot: those got auto_fix's own advice, to set auto_fix=true)."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn.utils import parametrizations

from mia_defense.defenses import DPSGD
from mia_defense.errors import UnsupportedModelError


def _dp() -> DPSGD:
    return DPSGD(noise_multiplier=1.0, max_grad_norm=1.0, auto_fix=True)


def test_batchnorm_beside_weight_norm_is_fixed() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(parametrizations.weight_norm(nn.Linear(8, 8)), nn.BatchNorm1d(8),
                          nn.Linear(8, 3))  # fmt: skip
    fixed = _dp().prepare_model(model)
    assert isinstance(fixed[1], nn.GroupNorm)
    assert isinstance(model[1], nn.BatchNorm1d)  # (a copy was fixed)


def test_spectral_norm_is_refused_with_what_auto_fix_could_not_do() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(parametrizations.spectral_norm(nn.Linear(8, 8)), nn.BatchNorm1d(8),
                          nn.Linear(8, 3))  # fmt: skip
    with pytest.raises(UnsupportedModelError) as caught:
        _dp().prepare_model(model)
    said = str(caught.value)
    assert said.startswith("defense.dp.auto_fix=true replaced the layers it knows")
    assert "a trainable layer with buffers" in said
    assert said.endswith("Fix: change these layers in the model itself")
