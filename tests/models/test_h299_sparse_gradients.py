"""A user's module with a sparse-gradient layer (nn.Embedding(sparse=True)) passed the model
checks, then ended in torch's traceback at the first step of either engine ('Adam does not
support sparse gradients'; under defense=dp, 'Could not run aten::eq.Tensor ... SparseCPU'),
while train.optimizer=SparseAdam is refused because the gradients are dense. The engines'
runs now refuse it when the models are built, naming the layer and the fix; a train.fit of
the user's own (which may step sparse gradients, SparseAdam) still gets the model."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mia_defense.cli.train import run
from mia_defense.errors import UnsupportedModelError
from mia_defense.models.build import check_model_output
from tests.helpers import FAST

HERE = "tests.models.test_h299_sparse_gradients"


class Tokens(nn.Module):
    def __init__(self, num_classes: int) -> None:
        super().__init__()
        self.emb, self.head = nn.Embedding(17, 4, sparse=True), nn.Linear(4, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.emb(x.flatten(1).long().clamp(0, 16)).mean(1))


def test_a_sparse_gradient_layer_is_refused_for_the_engines(make_cfg, tmp_path):
    cfg = make_cfg("model=custom", f"model._target_={HERE}.Tokens", "plan.num_models=2",
                   "plan.population_size=100", "train.epochs=1", "train.batch_size=16", *FAST)
    with pytest.raises(UnsupportedModelError, match=rf"model._target_={HERE}.Tokens: its layer "
                       r"'emb' \(Embedding\) has sparse=True.*build it with sparse=False"):
        run(cfg, tmp_path)
    # what a train.fit gets: the model checks pass it
    check_model_output(Tokens(3), input_shape=(4,), num_classes=3)
