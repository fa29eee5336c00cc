"""A user's module with a sparse-gradient layer (nn.Embedding(sparse=True)) passed the model
checks, then ended in torch's traceback at the first step on either engine ('Adam does not
support sparse gradients'; under defense=dp, 'Could not run aten::eq.Tensor ... SparseCPU'),
while train.optimizer=SparseAdam is refused because the gradients are dense. The check now
refuses it before training, naming the parameter and the fix."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mia_defense.errors import UnsupportedModelError
from mia_defense.models.build import check_model_output


class Tokens(nn.Module):
    def __init__(self, layer: nn.Module) -> None:
        super().__init__()
        self.emb, self.head = layer, nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        idx = x.long().clamp(0, 9)
        out = self.emb(idx) if isinstance(self.emb, nn.EmbeddingBag) else self.emb(idx).mean(1)
        return self.head(out)


@pytest.mark.parametrize("kind", [nn.Embedding, nn.EmbeddingBag])
def test_a_sparse_gradient_layer_is_refused_naming_it(kind):
    with pytest.raises(UnsupportedModelError, match=r"model._target_=M: its parameter "
                       r"'emb.weight' gets a sparse gradient .*sparse=False"):  # fmt: skip
        check_model_output(Tokens(kind(10, 8, sparse=True)), input_shape=(4,), num_classes=3,
                           name="M")  # fmt: skip
    # the same layer with dense gradients passes
    check_model_output(Tokens(kind(10, 8)), input_shape=(4,), num_classes=3, name="M")
