"""defense=dp with a plain nn.RNN: the stacked engine refused it with 'train it with Opacus'
own DP-SGD instead: train.engine=opacus', and train.engine=opacus refused it with 'set
train.engine=stacked': each named the other. Opacus has no validator for nn.RNN, so the DP
check passed it; it now names the fix (opacus.layers.DPRNN) before any training."""

from __future__ import annotations

from torch import nn

from mia_defense.models.validation import check_dp_compatible


def test_a_plain_rnn_is_refused_naming_dprnn():
    assert check_dp_compatible(nn.Sequential(nn.RNN(4, 4), nn.Linear(4, 2))) == [
        "0 (RNN): nn.RNN has no per-sample gradients; use opacus.layers.DPRNN instead"
    ]
