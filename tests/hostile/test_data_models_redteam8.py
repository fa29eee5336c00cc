"""Red team 8: users' own models that training or the attacks would get silently wrong."""

from __future__ import annotations

import json
import re

import pytest
import torch
from torch import nn

from mia_defense.errors import UnsupportedModelError
from mia_defense.models import MLP, check_model_output
from mia_defense.training.stack import vmap_blocker


class RunningMean(nn.Module):
    """Centres its inputs on a running mean it keeps itself (no BatchNorm, no
    ``track_running_stats``): a statistic a stacked ensemble would not keep."""

    def __init__(self, input_shape: tuple[int, ...] = (4,), num_classes: int = 3) -> None:
        super().__init__()
        width = int(torch.Size(input_shape).numel())
        self.register_buffer("mean", torch.zeros(width))
        self.fc = nn.Linear(width, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.flatten(1)
        if self.training:
            self.mean.mul_(0.5).add_(0.5 * x.mean(0))
        return self.fc(x - self.mean)


class CountsCalls(nn.Module):
    """Replaces (not updates in place) a buffer on every training forward."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("calls", torch.zeros(()))
        self.fc = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            self.calls = self.calls + 1
        return self.fc(x)


class Probabilities(nn.Module):
    """Ends in a softmax: outputs probabilities, not logits."""

    def __init__(self, num_classes: int = 3) -> None:
        super().__init__()
        self.fc = nn.Linear(4, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x.flatten(1)).softmax(-1)


class Votes(nn.Module):
    """Returns integer one-hot votes of the right shape."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.one_hot(self.fc(x).argmax(-1), 3)


@pytest.mark.parametrize(("model", "name"), [(RunningMean(), "mean"), (CountsCalls(), "calls")])
def test_a_module_updating_its_own_buffers_does_not_train_stacked(model, name):
    """vmap_blocker flagged only BatchNorm-style buffers: a hand-made running statistic
    trained stacked, where ``functional_call`` updates copies of the buffers and
    ``write_back`` copies back only parameters, so every trained model kept its initial
    statistic and was attacked as a different model from the one trained."""
    reason = vmap_blocker(model, (4,))
    assert reason is not None and repr(name) in reason and "while training" in reason
    assert torch.count_nonzero(next(model.buffers())) == 0  # the probe left the model alone


def test_modules_without_updated_buffers_still_train_stacked():
    assert vmap_blocker(MLP(input_shape=(4,), num_classes=3, hidden=[8]), (4,)) is None


def test_the_fallback_reason_names_the_buffer_in_results_json(make_cfg, tmp_path):
    from mia_defense.cli.train import run

    cfg = make_cfg("model=custom", f"model._target_={__name__}.RunningMean",
                   "plan.num_models=2", "plan.population_size=100", "train.epochs=1",
                   "train.batch_size=16", "attack.bootstrap=0", "attack.white_box=false",
                   "attack.queries.num_augmented=0", "~attack.attacks.shokri")  # fmt: skip
    run(cfg, tmp_path)
    training = json.loads((tmp_path / "results.json").read_text())["training"]
    assert "updates its buffer 'mean' while training" in training["fallback_reason"]


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (Probabilities(), "returns probabilities (each output in [0, 1], summing to 1), not "
                          "logits"),
        (Votes(), "returns torch.int64 values, not logits"),
    ],
)  # fmt: skip
def test_a_module_returning_probabilities_or_votes_is_refused_before_training(model, message):
    """mia-train accepted a module ending in softmax (api.py refuses it): the loss and the
    attacks softmaxed its probabilities again, squeezing them towards uniform, and the
    verdict understated the leak. Integer votes, which carry no gradient, reached training."""
    with pytest.raises(UnsupportedModelError, match=re.escape(message)):
        check_model_output(model, input_shape=(4,), num_classes=3, name="m")
