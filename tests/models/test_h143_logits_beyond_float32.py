"""A model whose logits are finite in float64 but beyond float32's range (1e40) is refused
as what it is: the released outputs and the attacks' signals are float32, where such logits
are +inf. Measured: mia-train model=custom with a float64 linear model scaled by 1e40 ended
"training diverged: the released outputs on the population contain NaN or +inf; likely
cause: train.lr=0.001 (lower the learning rate first)" (with float32 weights: "the loss
became non-finite by epoch 1"), blaming a learning rate for logits it had before any step."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mia_defense.errors import UnsupportedModelError
from mia_defense.models.build import beyond_float32, check_model_output
from mia_defense.training.config import TrainConfig
from mia_defense.training.engine import train_chunk

C = 3


class Scaled(nn.Module):
    """A float64 linear model without bias (logits 0 on the checks' zeros), scaled."""

    def __init__(self, scale: float, bias: bool = False) -> None:
        super().__init__()
        self.fc = nn.Linear(4, C, bias=bias, dtype=torch.float64)
        self.scale = scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x.double()) * self.scale


def _train(models, x):
    y = torch.arange(len(x)) % C
    masks = torch.ones((len(models), len(x)), dtype=torch.bool)
    return train_chunk(
        models, x=x, y=y, masks=masks, x_test=x[:4], y_test=y[:4], num_classes=C,
        config=TrainConfig(epochs=1, batch_size=8),
        generators=[torch.Generator().manual_seed(k) for k in range(len(models))],
    )


def test_logits_beyond_float32_on_the_first_batch_are_refused_not_called_diverged():
    torch.manual_seed(0)
    x = 1 + torch.rand(16, 4)
    check_model_output(Scaled(1e40), input_shape=(4,), num_classes=C)  # zeros: logits 0
    with pytest.raises(UnsupportedModelError, match=(
            r"Scaled returns logits up to \S+ \(float64\) on the run's first training batch, "
            r"at its initial weights \(before any optimiser step\): training did not diverge, "
            r"but they lie beyond float32's largest value \(3.4e\+38\)")):
        _train([Scaled(1e40), Scaled(1e40)], x)


def test_logits_beyond_float32_on_the_checks_zeros_are_refused_before_training():
    torch.manual_seed(0)
    with pytest.raises(UnsupportedModelError, match=(  # (eval mode is checked first)
            r"model._target_=m returns logits up to \S+ \(float64\), beyond float32's "
            r"largest value \(3.4e\+38\): mia-defense releases the outputs")):
        check_model_output(Scaled(1e40, bias=True), input_shape=(4,), num_classes=C, name="m")


def test_float64_logits_within_float32_train():
    torch.manual_seed(0)
    x = 1 + torch.rand(16, 4)
    histories = _train([Scaled(1e3), Scaled(1e3)], x)
    assert all(h.final.epoch == 0 for h in histories)


def test_only_values_that_float32_makes_plus_inf_count():
    assert beyond_float32(torch.tensor([[1e40, 0.0]], dtype=torch.float64)) == 1e40
    assert beyond_float32(torch.tensor([[3e38, 0.0]], dtype=torch.float64)) is None
    # below float32's range: -inf there, a class ruled out (allowed as -inf is)
    assert beyond_float32(torch.tensor([[-1e40, 0.0]], dtype=torch.float64)) is None
    assert beyond_float32(torch.tensor([[float("inf"), 0.0]], dtype=torch.float64)) is None
    assert beyond_float32(torch.tensor([[3e38, 0.0]])) is None  # float32 itself
