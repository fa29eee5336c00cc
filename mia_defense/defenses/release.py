"""Output defenses: what a querier of the model gets to see."""

from __future__ import annotations

from typing import Any

import torch

__all__ = ["FullRelease", "Release"]


class Release:
    """Turns a model's logits [..., C] into the released output, as log-probabilities.

    Released outputs are always log-probabilities (``-inf`` where a probability is
    withheld or zero), so every attack reads one format whatever the mechanism.
    """

    name: str = "full"

    def hparams(self) -> dict[str, Any]:
        """The mechanism's settings, flat, for results and TensorBoard hparams."""
        return {}

    def __call__(self, logits: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        return torch.log_softmax(logits.float(), dim=-1)


class FullRelease(Release):
    """The full probability vector (no output defense)."""
