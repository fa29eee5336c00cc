"""A model with PReLU before nn.Bilinear under defense=dp sent the user in a circle:
mia-train model=custom model._target_=hmods.PReLUBil defense=dp train.engine=opacus said
'... fails under Opacus' GradSampleModule hooks (TypeError: Bilinear.forward() missing 1
required positional argument: 'input2') ... Fix: set train.engine=stacked (the default)',
and the default engine refused it too, 'neither engine can train it as written: torch.func
cannot form its per-sample gradients either (RuntimeError: The size of tensor a (72) must
match ...)', without saying what failed under Opacus. Both now name what fails under which
engine (h410)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mia_defense.errors import UnsupportedModelError
from tests.helpers import trained_under_dp

C, D = 3, 8


class PReLUBilinear(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(D, 6)
        self.act = nn.PReLU()
        self.bil = nn.Bilinear(6, 6, C)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.act(self.fc(x))
        return self.bil(h, h)


@pytest.mark.parametrize("engine", ["stacked", "opacus"])
def test_the_refusal_says_what_fails_under_each_engine(engine: str) -> None:
    with pytest.raises(UnsupportedModelError) as caught:
        trained_under_dp(PReLUBilinear, features=D, classes=C, engine=engine)
    said = str(caught.value)
    if engine == "stacked":  # (one model at a time, torch.func forms them: h421)
        assert said.endswith("train its models one at a time: train.chunk_size=1")
        return
    # (the stacked engine trains it one model at a time: named, h423)
    assert "Opacus' GradSampleModule hooks (TypeError: Bilinear.forward() missing" in said
    assert "not for several stacked models (RuntimeError: " in said
    assert said.endswith("set train.engine=stacked train.chunk_size=1")
