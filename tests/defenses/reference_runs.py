"""Tiny training runs of the defenses that use the reference split (AdvReg, distillation):
K models stacked in one chunk, or each alone in module mode, on the same seeds."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from sklearn.metrics import roc_auc_score
from torch import nn

from mia_defense.defenses.base import TrainingDefense
from mia_defense.models import MLP, SmallCNN
from mia_defense.training.config import TrainConfig
from mia_defense.training.engine import train_chunk
from mia_defense.training.loop import ModelHistory

SIZES = (20, 27, 33)  # members per model: 3, 4 and 5 steps of 8, so the models step apart


def noisy_data(seed: int, n: int, dim: int = 10, noise: float = 0.8):
    """Features [n, dim] and a label that only the first feature predicts, noisily."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, dim, generator=g)
    y = ((x[:, 0] + noise * torch.randn(n, generator=g)) > 0).long()
    return x, y


def _masks(population: int = 60) -> torch.Tensor:
    g = torch.Generator().manual_seed(3)
    masks = torch.zeros(len(SIZES), population, dtype=torch.bool)
    for k, size in enumerate(SIZES):
        masks[k, torch.randperm(population, generator=g)[:size]] = True
    return masks


def _models(arch: str) -> list[nn.Module]:
    out: list[nn.Module] = []
    for k in range(len(SIZES)):
        torch.manual_seed(100 + k)
        if arch == "cnn":  # 8x8 single-channel images, GroupNorm
            out.append(SmallCNN(input_shape=(1, 8, 8), num_classes=2, channels=(4,), hidden=8,
                                groups=2, pooled=2))
        else:
            out.append(MLP(input_shape=(10,), num_classes=2, hidden=(16,)))
    return out


def train_three(
    make_defenses: Callable[[], Sequence[TrainingDefense]],
    *,
    stacked: bool,
    epochs: int = 2,
    reference: bool = True,
    arch: str = "mlp",
) -> tuple[list[nn.Module], list[ModelHistory]]:
    """Three models (``arch``: ``mlp`` or ``cnn``) on members of sizes `SIZES`: one stacked
    chunk (``stacked``), or three runs of one model each in module mode (as
    ``train.engine=opacus`` runs them), on the same seeds."""
    shape = (1, 8, 8) if arch == "cnn" else (10,)
    dim = 64 if arch == "cnn" else 10
    x, y = noisy_data(0, 60, dim)
    x_ref, y_ref = noisy_data(1, 100, dim)
    x_test, y_test = noisy_data(2, 100, dim)
    x, x_ref, x_test = (a.view(-1, *shape) for a in (x, x_ref, x_test))
    masks, models = _masks(), _models(arch)
    common = {
        "x": x, "y": y, "x_test": x_test, "y_test": y_test, "num_classes": 2,
        "config": TrainConfig(epochs=epochs, batch_size=8, lr=0.01),
        "x_reference": x_ref if reference else None,
        "y_reference": y_ref if reference else None,
    }
    gens = [torch.Generator().manual_seed(10 + k) for k in range(len(models))]
    if stacked:
        return models, train_chunk(
            models, masks=masks, generators=gens, defenses=make_defenses(), **common
        )
    histories = []
    for k, model in enumerate(models):
        histories += train_chunk(
            [model], masks=masks[k : k + 1], generators=[gens[k]], defenses=make_defenses(),
            vectorised=False, engine="opacus", **common,
        )
    return models, histories


def max_weight_gap(a: Sequence[nn.Module], b: Sequence[nn.Module]) -> float:
    """The largest absolute difference between the parameters of paired models."""
    return max(
        (p - q).abs().max().item()
        for ma, mb in zip(a, b, strict=True)
        for p, q in zip(ma.parameters(), mb.parameters(), strict=True)
    )


def overfit_run(defenses: Sequence[TrainingDefense]) -> tuple[nn.Module, ModelHistory, float]:
    """One wide MLP trained 30 epochs on 64 noisy 30-dimensional samples (train accuracy
    1.0); returns it, its history and the loss attack's AUC on its 64 members against 64
    samples of the same population it never saw."""
    x, y = noisy_data(0, 128, dim=30, noise=1.0)
    x_ref, y_ref = noisy_data(1, 256, dim=30, noise=1.0)
    masks = torch.zeros(1, 128, dtype=torch.bool)
    masks[0, :64] = True
    torch.manual_seed(0)
    model = MLP(input_shape=(30,), num_classes=2, hidden=(64,))
    (history,) = train_chunk(
        [model], x=x, y=y, masks=masks, x_test=x_ref, y_test=y_ref, num_classes=2,
        config=TrainConfig(epochs=30, batch_size=16, lr=0.01),
        generators=[torch.Generator().manual_seed(0)], defenses=defenses,
        vectorised=False, x_reference=x_ref, y_reference=y_ref,
    )
    with torch.no_grad():
        loss = F.cross_entropy(model.eval()(x), y, reduction="none")
    return model, history, float(roc_auc_score(masks[0].numpy(), -loss.numpy()))
