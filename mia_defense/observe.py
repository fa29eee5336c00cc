"""Observation: what every model releases on every population sample."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from mia_defense.defenses.release import Release

__all__ = ["Observations", "observe"]


@dataclass(frozen=True)
class Observations:
    """The released outputs of K models on N population samples.

    Attributes:
        log_probs: [K, N, C] float32 released log-probabilities (``-inf`` where withheld).
        labels: [N] int true labels.
        masks: [K, N] bool membership of each sample in each model's training set.
    """

    log_probs: np.ndarray
    labels: np.ndarray
    masks: np.ndarray

    def __post_init__(self) -> None:
        k, n, _ = self.log_probs.shape
        if self.masks.shape != (k, n) or self.labels.shape != (n,):
            raise ValueError(
                f"inconsistent shapes: log_probs {self.log_probs.shape}, "
                f"masks {self.masks.shape}, labels {self.labels.shape}"
            )

    @property
    def num_models(self) -> int:
        return int(self.log_probs.shape[0])

    @property
    def num_classes(self) -> int:
        return int(self.log_probs.shape[2])

    def take(self, models: np.ndarray | Sequence[int]) -> Observations:
        """The observations of a subset of the models."""
        models = np.asarray(models)
        return Observations(self.log_probs[models], self.labels, self.masks[models])


@torch.no_grad()
def observe(
    models: Sequence[nn.Module],
    x: np.ndarray,
    *,
    release: Release,
    generator: torch.Generator | None = None,
    batch_size: int = 4096,
) -> np.ndarray:
    """Released log-probabilities [K, N, C] of every model on every row of ``x``."""
    inputs = torch.as_tensor(x, dtype=torch.float32)
    outputs = []
    for model in models:
        model.eval()
        logits = torch.cat([model(chunk) for chunk in inputs.split(batch_size)])
        outputs.append(release(logits, generator))
    return torch.stack(outputs).numpy()
