"""Red team 9: training-time and output defenses, as a mistaken or hostile user uses them."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense.defenses import (
    FullRelease,
    LabelOnlyRelease,
    NoiseRelease,
    RoundingRelease,
    TemperatureRelease,
    TopKRelease,
)
from mia_defense.errors import DivergedError
from mia_defense.observe import observe
from mia_defense.pipeline.release import check_released

RELEASES = [
    FullRelease(), TopKRelease(k=1), TopKRelease(k=2, renormalize=True),
    RoundingRelease(decimals=0), LabelOnlyRelease(), NoiseRelease(scale=0.1),
    NoiseRelease(scale=0.0), NoiseRelease(scale=1e5, distribution="laplace"),
    TemperatureRelease(temperature=3.0),
]


@pytest.mark.parametrize("release", RELEASES, ids=lambda r: f"{r.name}{r.hparams()}")
def test_every_release_keeps_a_diverged_row_nan(release):
    # label_only answered a NaN row with the NaN's class and noise with the uniform vector:
    # a model with NaN outputs passed the released-output check and got a verdict
    logits = torch.tensor([[1.0, 2.0, 3.0], [math.nan, 1.0, 2.0], [math.inf, 1.0, 2.0]])
    out = release(logits, torch.Generator().manual_seed(0))
    assert torch.isnan(out[1:]).any(-1).all()
    assert not torch.isnan(out[0]).any() and torch.isfinite(out[0]).any()


class _NanOnSome(nn.Module):
    """Finite weights; NaN logits on the rows whose first feature is negative."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.linear(x)
        return torch.where(x[:, :1] < 0, math.nan, out)


@pytest.mark.parametrize("release", [LabelOnlyRelease(), NoiseRelease(scale=0.05)],
                         ids=lambda r: r.name)
def test_a_model_with_nan_outputs_stops_the_run_under_any_release(release):
    x = np.ones((6, 4), dtype=np.float32)
    x[2, 0] = -1.0
    torch.manual_seed(0)
    released = observe([_NanOnSome()], x, release=release, generator=torch.Generator())
    with pytest.raises(DivergedError, match="NaN"):
        check_released(released, what="population", release=release)
