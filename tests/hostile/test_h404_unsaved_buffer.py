"""A model whose forward updates a buffer registered with ``persistent=False`` trained, and
its checkpoints lacked that buffer: mia-train model=custom with such a model (logits scaled by
a buffer decayed at each training step), results.json deleted and the run started again in its
folder, resumed its 2 trained models with the buffer at its initial value, and every attack's
figures moved (loss AUC 0.5263 -> 0.5262, Shokri 0.505 -> 0.511), as would a model taken from
the store or loaded by load_trained_model. The model check now refuses it before training,
naming the buffer; a cache forward recomputes alike stays allowed (h404)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mia_defense.errors import UnsupportedModelError
from mia_defense.models.build import check_model_output


class DecayedScale(nn.Module):
    def __init__(self, persistent: bool = False) -> None:
        super().__init__()
        self.fc = nn.Linear(6, 3)
        self.register_buffer("scale", torch.ones(()), persistent=persistent)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            self.scale.mul_(0.999)
        return self.fc(x) * self.scale


class Cache(nn.Module):
    """A non-persistent buffer forward rebuilds with the same values (a rotary table)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(6, 3)
        self.register_buffer("table", torch.arange(6.0), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.table = torch.arange(6.0, device=x.device)
        return self.fc(x + self.table)


def test_a_forward_updating_an_unsaved_buffer_is_refused_naming_it() -> None:
    model = DecayedScale()
    with pytest.raises(UnsupportedModelError, match=(
            r"model._target_=m updates its buffer 'scale' in forward in training mode .*"
            r"persistent=False: checkpoints do not hold it.*register it persistent")):
        check_model_output(model, input_shape=(6,), num_classes=3, name="m")
    assert float(model.scale) == 1.0  # (the check leaves the model as it was)


@pytest.mark.parametrize("model", [DecayedScale(persistent=True), Cache()])
def test_a_saved_buffer_or_a_cache_recomputed_alike_is_allowed(model) -> None:
    assert check_model_output(model, input_shape=(6,), num_classes=3) == torch.float32
