"""A user's module that cannot be deep-copied (the deprecated torch.nn.utils.weight_norm)
ended in torch's bare RuntimeError after passing every check; a lazy one under DP-SGD was
refused as if it kept a statistic of the members."""

from __future__ import annotations

import warnings

import pytest
import torch
from torch import nn

from mia_defense.cli.train import run
from mia_defense.errors import UnsupportedModelError
from tests.helpers import FAST

SMALL = ["plan.num_models=2", "plan.population_size=100", "train.epochs=1",
         "train.batch_size=16", *FAST]  # fmt: skip
HERE = "tests.models.test_h198_copy_and_lazy"


class OldWeightNorm(nn.Module):
    """torch.nn.utils.weight_norm keeps a computed (non-leaf) weight on the layer."""

    def __init__(self, num_classes: int) -> None:
        super().__init__()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # (deprecated)
            self.fc = nn.utils.weight_norm(nn.Linear(64, 16))
        self.head = nn.Linear(16, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.tanh(self.fc(x.flatten(1) / 16)))


class LazyNet(nn.Module):
    def __init__(self, num_classes: int) -> None:
        super().__init__()
        self.fc, self.head = nn.LazyLinear(16), nn.Linear(16, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.tanh(self.fc(x.flatten(1) / 16)))


def test_a_model_that_cannot_be_copied_is_refused_before_training(make_cfg, tmp_path):
    """Before: 'RuntimeError: Only Tensors created explicitly by the user (graph leaves)
    support the deepcopy protocol' from the engine's first probe."""
    cfg = make_cfg("model=custom", f"model._target_={HERE}.OldWeightNorm", *SMALL)
    with pytest.raises(UnsupportedModelError) as caught:
        run(cfg, tmp_path)
    said = str(caught.value)
    assert said.startswith(f"model._target_={HERE}.OldWeightNorm cannot be copied "
                           "(RuntimeError from copy.deepcopy: Only Tensors created")
    assert "use torch.nn.utils.parametrizations.weight_norm" in said
    assert not (tmp_path / "checkpoints").exists()


@pytest.mark.parametrize("engine", ["stacked", "opacus"])
def test_lazy_layers_under_dp_are_refused_as_lazy(make_cfg, tmp_path, engine):
    """Before: 'LazyNet updates its parameter 'fc.weight' while training: a statistic of the
    members' data kept without clipping or noise ...'."""
    cfg = make_cfg("model=custom", f"model._target_={HERE}.LazyNet", "defense=dp",
                   f"train.engine={engine}", *SMALL)  # fmt: skip
    with pytest.raises(UnsupportedModelError) as caught:
        run(cfg, tmp_path)
    said = str(caught.value)
    assert said.startswith("defense.dp: LazyNet has lazy parameters (fc.weight, fc.bias: "
                           "nn.Lazy* layers)")
    assert "build those layers at their size" in said
    assert not list((tmp_path / "checkpoints").glob("*.pt"))
