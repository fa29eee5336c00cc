"""defense.dp's refusal of a model Opacus cannot train ended in 'Fix: set
defense.dp.auto_fix=true to replace the layers' whatever the problem: for float16 parameters
or a trainable layer with buffers, which auto_fix leaves as they were, that sent the user
round once more to the same refusal. It now advises auto_fix only where it replaces a layer."""

from __future__ import annotations

import pytest
from torch import nn

from mia_defense.defenses.dp import refuse_unsupported
from mia_defense.errors import UnsupportedModelError


@pytest.mark.parametrize(("model", "fixable"), [
    (nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.Linear(4, 2)), True),
    (nn.Sequential(nn.Linear(4, 2)).half(), False),
    (nn.Sequential(nn.RNN(4, 4)), False),  # (Opacus has no fixer for it)
])  # fmt: skip
def test_auto_fix_is_advised_only_where_it_replaces_a_layer(model, fixable):
    with pytest.raises(UnsupportedModelError) as refused:
        refuse_unsupported(model)
    assert ("auto_fix=true" in str(refused.value)) is fixable
    assert "Fix: " in str(refused.value)
