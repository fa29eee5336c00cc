"""defense.dp.auto_fix=true on a model with InstanceNorm(track_running_stats=True), which
the refusal advises it for, ended in 'auto_fix=true replaced the layers it knows ..., but
Opacus still cannot train this model: InstanceNorm with track_running_stats=True ...':
Opacus' fix sets the flag to False and keeps the running buffers, a trainable layer with
buffers that Opacus then refuses. fix_for_dp now drops the buffers too, as a layer built
with track_running_stats=False holds none, and the model trains."""

from __future__ import annotations

import torch
from torch import nn

from mia_defense.models.validation import check_dp_compatible, fix_for_dp


def test_auto_fix_makes_a_tracking_instance_norm_trainable_under_dp():
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.InstanceNorm2d(4, affine=True,
                                                                track_running_stats=True))
    fixed = fix_for_dp(model)
    assert check_dp_compatible(fixed) == []
    assert sorted(fixed.state_dict()) == ["0.bias", "0.weight", "1.bias", "1.weight"]
    assert fixed(torch.randn(2, 1, 5, 5)).shape == (2, 4, 3, 3)
    assert model[1].track_running_stats and check_dp_compatible(model)  # the original kept
