"""What the weight_decay defense does, as README's Defenses table says it (h220): README
called it an "L2 penalty", but the defense sets the optimiser's own ``weight_decay``, so
what it does is the optimiser's: Adam and SGD add ``coefficient * w`` to the gradient (an L2
penalty's gradient; Adam then rescales it per parameter), AdamW decays decoupled. Checked
against torch's own optimisers, on the optimiser the engine builds (`make_optimizer` with
the defense's options), over every parameter, biases included."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from mia_defense.defenses import WeightDecay
from mia_defense.training.config import TrainConfig, make_optimizer

ADAMW = {"_target_": "torch.optim.AdamW"}
C, LR = 0.05, 0.1


def _step(optimizer_cfg, grad: torch.Tensor, w: torch.Tensor, **options) -> torch.Tensor:
    p = torch.nn.Parameter(w.clone())
    opt = make_optimizer([p], TrainConfig(optimizer=optimizer_cfg, lr=LR), **options)
    p.grad = grad.clone()
    opt.step()
    return p.detach()


W, G = torch.tensor([1.0, -2.0, 0.5]), torch.tensor([0.3, 0.1, -0.2])


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_adam_and_sgd_add_the_l2_gradient(optimizer: str) -> None:
    """The defense's step is the undecayed optimiser's step on grad + coefficient * w: the
    gradient of coefficient/2 * ||w||^2 added to the loss."""
    decayed = _step(optimizer, G, W, **WeightDecay(coefficient=C).optimizer_options())
    assert torch.allclose(decayed, _step(optimizer, G + C * W, W))


def test_adamw_decays_decoupled() -> None:
    """AdamW's step is w * (1 - lr * coefficient) then Adam's step on the loss alone."""
    decayed = _step(ADAMW, G, W, **WeightDecay(coefficient=C).optimizer_options())
    undecayed = _step(ADAMW, G, W * (1 - LR * C), weight_decay=0.0)
    assert torch.allclose(decayed, undecayed)
    assert not torch.allclose(decayed, _step(ADAMW, G + C * W, W, weight_decay=0.0))


def test_the_decay_covers_every_parameter_biases_included() -> None:
    model = torch.nn.Linear(3, 2)
    opt = make_optimizer(list(model.parameters()), TrainConfig(),
                         **WeightDecay(coefficient=C).optimizer_options())  # fmt: skip
    assert [g["weight_decay"] for g in opt.param_groups] == [C]
    assert len(opt.param_groups[0]["params"]) == 2  # (weight and bias)


def test_readme_says_what_the_optimiser_does() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| `weight_decay` |"))
    assert "L2 penalty on every parameter group" not in row
    assert "biases included" in row
    assert "the gradient of an L2 penalty `coefficient/2 · ‖w‖²`" in row
    assert "`torch.optim.AdamW` (by `_target_`) decays decoupled, `w ← w − lr · coefficient · " \
           "w`" in row  # fmt: skip
