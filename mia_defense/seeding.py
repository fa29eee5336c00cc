"""One seed drives every random choice: each stage derives its own stream from it."""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch

__all__ = ["derive_seed", "numpy_rng", "torch_generator"]


def derive_seed(seed: int, stage: str, index: int = 0) -> int:
    """A 63-bit seed for ``(stage, index)``, independent of every other stage and index.

    Model ``k`` gets the same seed whatever K is and whether or not other models were
    already trained, which makes resumed runs identical to uninterrupted ones.
    """
    sequence = np.random.SeedSequence(seed, spawn_key=(zlib.crc32(stage.encode()), index))
    return int(sequence.generate_state(2, dtype=np.uint32).astype(np.uint64).dot([1 << 31, 1]))


def numpy_rng(seed: int, stage: str, index: int = 0) -> np.random.Generator:
    """A numpy generator for one stage."""
    return np.random.default_rng(derive_seed(seed, stage, index))


def torch_generator(seed: int, stage: str, index: int = 0) -> torch.Generator:
    """A CPU torch generator for one stage."""
    import torch  # here, not above: the numpy streams serve torch-free readers and loaders

    return torch.Generator().manual_seed(derive_seed(seed, stage, index))
