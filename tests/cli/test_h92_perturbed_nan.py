"""A model finite on the data but NaN on the perturbed copies of the augmented queries (a
sqrt of a feature the noise made negative) stopped the run as 'training diverged ... likely
cause: train.lr (lower the learning rate first)': its training had gone well, and no
learning rate was the cause (helper h92)."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from mia_defense.cli.build import run
from mia_defense.errors import DivergedError, UnsupportedModelError

SMALL = ["dataset=digits", "model=custom", "plan.num_models=2", "plan.population_size=100",
         "train.epochs=1", "train.batch_size=16", "attack.bootstrap=0"]  # fmt: skip


class SqrtOfFeatures(nn.Module):
    """sqrt of the features: finite on digits (0..16), NaN where noise made one negative."""

    def __init__(self, input_shape, num_classes: int) -> None:
        super().__init__()
        self.fc = nn.Linear(int(torch.tensor(input_shape).prod()), num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.sqrt(x.flatten(1)))


def test_nan_on_the_perturbed_queries_alone_is_the_models_not_a_divergence(make_cfg, tmp_path):
    cfg = make_cfg(f"model._target_={__name__}.SqrtOfFeatures", *SMALL,
                   "attack.queries.num_augmented=2")
    with pytest.raises(UnsupportedModelError) as caught:
        run(cfg, tmp_path)
    assert not isinstance(caught.value, DivergedError)
    message = str(caught.value)
    assert message.startswith("the released outputs on the perturbed queries contain NaN or "
                              "+inf, while those on the population itself are finite: model "
                              f"{__name__}.SqrtOfFeatures (or release=full) breaks on")
    assert "attack.queries.num_augmented=0" in message and "train.lr" not in message
    payload = json.loads((tmp_path / "results.json").read_text())
    assert payload["status"] == "failed"  # not 'diverged'
