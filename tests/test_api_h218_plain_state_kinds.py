"""Models holding a per-model setting in a plain attribute of a kind the stacked query did
not compare (a numpy number or array, a list, tuple or mapping) answer with their own: the
query ran the first model's module, so every model released the first one's (logits off by
up to 3.5)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense.observe import _all_logits, _stackable


class Scaled(nn.Module):
    """Scales its logits by ``scale``, held as given."""

    def __init__(self, scale: object) -> None:
        super().__init__()
        self.fc = nn.Linear(5, 3)
        self.scale = scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = self.scale
        if isinstance(scale, (list, tuple)):
            scale = scale[0]
        if isinstance(scale, dict):
            scale = scale["t"]
        return self.fc(x) * torch.as_tensor(np.asarray(scale), dtype=torch.float32)


SCALES = {
    "np.float32": (np.float32(1.0), np.float32(3.0)),
    "np.int64": (np.int64(1), np.int64(3)),
    "array": (np.array([1.0, 2.0, 3.0]), np.array([3.0, 1.0, 1.0])),
    "list": ([1.0], [3.0]),
    "tuple": ((1.0,), (3.0,)),
    "dict": ({"t": 1.0}, {"t": 3.0}),
}


@pytest.mark.parametrize("kind", list(SCALES))
def test_models_with_their_own_setting_answer_with_their_own(kind: str) -> None:
    torch.manual_seed(0)
    models = [Scaled(scale) for scale in SCALES[kind]]
    x = torch.randn((20, 5))
    with torch.no_grad():
        expected = torch.stack([model.eval()(x) for model in models])
    torch.testing.assert_close(_all_logits(models, x, 16), expected)


@pytest.mark.parametrize("kind", list(SCALES))
def test_models_with_the_same_setting_stay_stacked(kind: str) -> None:
    torch.manual_seed(0)
    assert _stackable([Scaled(SCALES[kind][0]) for _ in range(3)])
