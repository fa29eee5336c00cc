"""A model whose output depends on its batch's size (``self.fc(x) * 64 / x.shape[0]``) was
trained stacked: `mixes_samples` compares two batches of one size, which such a model
answers alike, but stacked, a model's last batch is padded to its chunk's longest, so its
rows were scaled by another size than trained alone. ``mia-train model=custom
model._target_=hmods.Scaled plan.num_models=4 train.epochs=3 plan.reference_size=300``
ended up to 9.6e-3 from the same run with ``train.engine=opacus`` (a plain model: 4e-9),
training.fallback_reason null. `probed_blocker` now asks DP-SGD's check
(`depends_on_batch_position`): such a model trains one at a time, said (h414)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from mia_defense.training import TrainConfig, train_ensemble
from mia_defense.training.stack import vmap_blocker


class BatchSized(nn.Module):
    """Logits scaled by the batch's size."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x) * 64 / x.shape[0]


def trained(build_model: type[nn.Module], chunk_size: int):
    """Two models of ``build_model`` on 120 random records, 50 and 80 members: model 0's
    batches are padded when the two train stacked."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 8)).astype(np.float32)
    y = rng.integers(0, 3, 120)
    masks = np.zeros((2, 120), bool)
    masks[0, :50], masks[1, 40:] = True, True  # (50 and 80 members: model 0's batches padded)
    return train_ensemble(
        build_model=build_model, x=x, y=y, masks=masks, x_test=x[:30], y_test=y[:30],
        num_classes=3, config=TrainConfig(epochs=2, lr=0.05, batch_size=32,
                                          chunk_size=chunk_size),
        seed=0, progress=False,
    )


def test_a_batch_sized_model_trains_as_each_alone() -> None:
    stacked, alone = trained(BatchSized, 2), trained(BatchSized, 1)
    assert "on the batch's size" in (stacked.fallback_reason or "")
    for a, b in zip(stacked.models, alone.models, strict=True):
        torch.testing.assert_close(a.fc.weight, b.fc.weight, rtol=0, atol=1e-6)


def test_a_plain_model_still_stacks() -> None:
    assert vmap_blocker(nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3)), (8,)) is None
