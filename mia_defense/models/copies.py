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
        digest.update(f"{name}{tensor.dtype}{tuple(tensor.shape)}".encode())
        digest.update(_value_bytes(tensor))
    return digest.digest()


def _value_bytes(tensor: torch.Tensor) -> bytes:
    """``tensor``'s values as bytes. A meta tensor (an unused
    ``register_buffer("x", torch.empty(3, device="meta"))``) holds none, the same nothing in
    every model, so its name, dtype and shape alone are digested (its marker tells it from a
    materialised one); a sparse one by its dense values (it has no contiguous bytes)."""
    if tensor.is_meta:
        return b"meta"
    if tensor.layout != torch.strided:
        tensor = tensor.to_dense()
    flat = tensor.detach().cpu().contiguous().reshape(-1)
    return b"data" + flat.view(torch.uint8).numpy().tobytes()


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
