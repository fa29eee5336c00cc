"""A model with a layer Opacus validates (LSTM, BatchNorm) under DP where ``import opacus``
fails: the layers' check (`mia_defense.models.validation._opacus_validators`) raised a bare
ModuleNotFoundError, as did defense.dp.auto_fix's `fix_for_dp`; they now say what failed
and what to do, as train.engine=opacus does (`refuse_without_opacus`, one code path). A
model without such layers still needs no Opacus."""

import sys

import pytest
from torch import nn

from mia_defense.defenses.dp import refuse_unsupported
from mia_defense.errors import ConfigError
from mia_defense.models.validation import fix_for_dp


def test_a_failed_import_of_opacus_is_named_by_the_layers_check(monkeypatch):
    monkeypatch.setitem(sys.modules, "opacus", None)  # (Opacus not installed)
    refuse_unsupported(nn.Sequential(nn.Linear(4, 4), nn.GroupNorm(1, 4)))
    with pytest.raises(ConfigError, match=r"LSTM layers\) needs Opacus") as caught:
        refuse_unsupported(nn.LSTM(4, 4))
    assert "pip install 'opacus>=1.5'" in str(caught.value)
    with pytest.raises(ConfigError, match=r"replacing BatchNorm1d's layers .* needs Opacus"):
        fix_for_dp(nn.BatchNorm1d(4))  # (defense.dp.auto_fix=true)
