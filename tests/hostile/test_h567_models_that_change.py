"""api.observe_models on modules whose forward changes their own weights, and on modules
whose per-sample gradients are not finite (white_box=True)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense import api
from mia_defense.errors import UnsupportedModelError


def _data() -> tuple[np.ndarray, np.ndarray, api.MembershipPlan]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 5)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    return x, y, api.make_plan(x, y, num_models=4, population_size=60)


def _mlp() -> nn.Sequential:
    return nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 2))


class _Adapting(nn.Module):
    """A test-time adaptation step in forward: its bias moves at every query."""

    def __init__(self) -> None:
        super().__init__()
        self.net = _mlp()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            self.net[2].bias.add_(0.05)
        return self.net(x)


class _AdaptingThroughData(_Adapting):
    """The same step through ``.data`` (a tensor of its own version counter)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.net[2].bias.data.add_(0.05)
        return self.net(x)


class _CountingCalls(nn.Module):
    """A buffer counting the calls: its answers do not depend on it."""

    def __init__(self) -> None:
        super().__init__()
        self.net = _mlp()
        self.register_buffer("calls", torch.zeros(()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        return self.net(x)


@pytest.mark.parametrize("kind", [_Adapting, _AdaptingThroughData])
def test_a_forward_that_changes_the_weights_is_refused(kind: type[nn.Module]) -> None:
    # observed on models that drifted query after query (9 steps of 0.05), warned of as
    # 'dropout or noise left on', and the user's models were left changed
    x, y, plan = _data()
    torch.manual_seed(0)
    models = [kind() for _ in range(4)]
    before = [m.net[2].bias.detach().clone() for m in models]
    with pytest.raises(UnsupportedModelError, match=r"models\[0\] .*changes its parameters"
                       r".*net\.2\.bias"):  # fmt: skip
        api.observe_models(models, x, y, plan)
    assert all(torch.equal(b, m.net[2].bias) for b, m in zip(before[1:], models[1:],
                                                             strict=True))  # fmt: skip


def test_a_buffer_of_its_own_counting_calls_is_queried() -> None:
    x, y, plan = _data()
    torch.manual_seed(0)
    obs = api.observe_models([_CountingCalls() for _ in range(4)], x, y, plan)
    assert obs.log_probs.shape == (4, 60, 2)


class _NanGradient(nn.Module):
    """Finite logits, NaN gradient: d/dw sqrt((w x)^2) at w = 0 is 0 * inf."""

    def __init__(self) -> None:
        super().__init__()
        self.net = _mlp()
        self.w = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x) + torch.sqrt((self.w * x[:, :1]) ** 2)


def test_nan_gradient_norms_name_the_model() -> None:
    # were 'observations_from_arrays: grad_norms: must be finite and >= 0, at [0, 0]': a
    # function the caller never called, no model named, no way out
    x, y, plan = _data()
    torch.manual_seed(0)
    models = [_NanGradient() for _ in range(4)]
    with pytest.raises(UnsupportedModelError,
                       match=r"observe_models: white_box=True: models\[0\] \(_NanGradient\) "
                             r"has NaN or infinite per-sample gradient norms on 60 of the 60 "
                             r"population records \(first: row \d+ of x\).*white_box=False"):
        api.observe_models(models, x, y, plan, white_box=True)
