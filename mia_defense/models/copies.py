"""Models that are copies of one another: K models must each train on their own members."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import torch
from torch import nn

__all__ = ["first_copy", "weights_digest"]


def weights_digest(model: nn.Module) -> bytes | None:
    """A digest of ``model``'s weights, value for value (its state dict's names, dtypes,
    shapes and bytes); ``None`` for a model without any."""
    state = model.state_dict()
    if not state:
        return None
    digest = hashlib.blake2b(digest_size=16)
    for name, tensor in state.items():
        flat = tensor.detach().cpu().contiguous().reshape(-1)
        digest.update(f"{name}{tensor.dtype}{tuple(tensor.shape)}".encode())
        digest.update(flat.view(torch.uint8).numpy().tobytes())
    return digest.digest()


def first_copy(models: Sequence[nn.Module]) -> tuple[int, int] | None:
    """``(k, j)`` for the first model k holding exactly the weights of an earlier model j
    (`weights_digest`), else ``None``: copies answer members and non-members alike, so the
    attacks see no leak. Models without any weight are not compared."""
    seen: dict[bytes, int] = {}
    for k, model in enumerate(models):
        digest = weights_digest(model)
        j = k if digest is None else seen.setdefault(digest, k)
        if j != k:
            return k, j
    return None
