"""A forward hook on an nn.Linear (``self.fc.register_forward_hook(lambda m, a, o: o * 3)``,
or a clamp) ran before the ghost path's tap, which then read the gradient of the hook's
output, not of the layer's: DP-SGD without clipping summed per-sample gradients 0.5 (o * 3)
to 0.97 (a clamp) from the model's own, and a clamp idle on the run's first records passed
DPSGD.setup's checks (the run trained another model than the one written; each clipped
term stayed within C). A layer with a forward hook now has no ghost rule: its per-sample
gradients are formed through the hook (h423)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mia_defense.defenses import DPSGD
from mia_defense.defenses.base import Batch, cross_entropy
from mia_defense.defenses.dp_stacked import clipped_grad_sums, ghost_plan, sample_output_grads
from mia_defense.training.config import TrainConfig
from mia_defense.training.stack import ModelStack
from tests.training.engines import train_by_engine

HOOKS = {
    "scaled": lambda m, a, o: o * 3,
    "clamped": lambda m, a, o: o.clamp(-1.0, 1.0),
}


class Net(nn.Module):
    def __init__(self, hook=None, pre_hook=None) -> None:
        super().__init__()
        self.fc, self.out = nn.Linear(8, 16), nn.Linear(16, 3)
        if hook is not None:
            self.fc.register_forward_hook(hook)
        if pre_hook is not None:
            self.out.register_forward_pre_hook(pre_hook)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(torch.relu(self.fc(x)))


def _data() -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)  # (rows growing: a clamp idle on the first ones)
    x = torch.randn((48, 8), generator=gen) * torch.linspace(0.1, 3, 48)[:, None]
    return x, torch.randint(0, 3, (48,), generator=gen)


def _sums_against_own(model: nn.Module) -> float:
    """DP-SGD's summed per-sample gradients without clipping (C = 1e9) of 8 samples, against
    the sum of each sample's own gradient (a plain backward of the model, one at a time)."""
    x, y = _data()
    rows = list(range(0, 48, 6))
    own = []
    for i in rows:
        model.zero_grad()
        nn.functional.cross_entropy(model(x[i : i + 1]), y[i : i + 1]).backward()
        own.append(torch.cat([p.grad.flatten() for p in model.parameters()]))
    stack = ModelStack([model], [2])
    xb, yb = x[rows][None], y[rows][None]
    valid = torch.ones((1, len(rows)), dtype=torch.bool)
    logits = stack.forward(xb)
    batch = Batch(x=xb, y=yb, target=yb, valid=valid, stepping=torch.ones(1, dtype=torch.bool))
    out_grads = sample_output_grads(logits, cross_entropy(logits, batch), valid)
    found, _ = clipped_grad_sums(stack, xb, out_grads, valid, max_grad_norm=1e9,
                                 strategy=ghost_plan(model)[0])  # fmt: skip
    ours = torch.cat([found[n][0].detach().flatten() for n, _ in model.named_parameters()])
    return float((ours - sum(own)).norm() / sum(own).norm())


@pytest.mark.parametrize("hook", list(HOOKS))
def test_a_forward_hooked_layer_gets_its_own_per_sample_gradients(hook: str) -> None:
    torch.manual_seed(0)
    model = Net(HOOKS[hook])
    assert ghost_plan(model)[0] == "mixed"  # fc formed, out still ghost
    assert _sums_against_own(model) < 1e-5


def test_a_forward_pre_hook_keeps_the_ghost_path() -> None:
    torch.manual_seed(0)  # (the tap reads the input a pre-hook gives: defense=dropout's)
    model = Net(pre_hook=lambda m, a: (a[0] * 3,))
    assert ghost_plan(model)[0] == "ghost"
    assert _sums_against_own(model) < 1e-5


def test_dp_sgd_does_not_take_ghost_norms_of_a_clamp_idle_on_the_first_records() -> None:
    torch.manual_seed(0)
    defense = DPSGD(noise_multiplier=1.0, max_grad_norm=1.0)
    x, y = _data()
    train_by_engine([Net(HOOKS["clamped"])], x, y, torch.ones((1, 48), dtype=torch.bool),
                    config=TrainConfig(epochs=1, batch_size=16, lr=0.1), seeds=[1],
                    defenses=lambda: [defense], engine="stacked", num_classes=3,
                    test_size=16)  # fmt: skip
    assert defense._strategy == "mixed"
