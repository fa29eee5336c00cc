"""One seed drives every random choice: each stage derives its own stream from it."""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch

__all__ = [
    "derive_seed", "global_torch_seeded", "numpy_rng", "seed_global_torch", "set_torch_rng_state",
    "torch_generator", "torch_rng_kept", "torch_rng_state",
]


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


def torch_generator(
    seed: int, stage: str, index: int = 0, *, device: torch.device | str = "cpu"
) -> torch.Generator:
    """A torch generator for one stage, on ``device`` (the CPU by default)."""
    import torch  # here, not above: the numpy streams serve torch-free readers and loaders

    return torch.Generator(device=device).manual_seed(derive_seed(seed, stage, index))


@contextlib.contextmanager
def global_torch_seeded(
    seed: int, stage: str, index: int = 0, *, devices: Sequence[torch.device] = ()
) -> Iterator[None]:
    """torch's global generators seeded for one stage inside the block, and put back after
    (CPU and the CUDA ``devices``): for the draws a module makes in its forward (dropout
    left on in eval mode, noise), which take no generator. Unseeded, those came from
    torch's global state, drawn afresh in each process: the same run gave other numbers.
    Python's (`random`) and numpy's legacy (``np.random.*``) global generators are seeded
    too, and put back: a model's constructor drawing a fixed projection with
    ``np.random.randn`` or a scale with ``random.random()``, or its forward drawing so
    (trained one at a time), gave other models, and other figures, in every launch."""
    import random

    import torch

    derived = derive_seed(seed, stage, index)
    python_state, numpy_state = random.getstate(), np.random.get_state()  # noqa: NPY002
    with torch.random.fork_rng(devices=[d for d in devices if d.type == "cuda"]):
        seed_global_torch(derived, devices)
        random.seed(derived)
        np.random.seed(derived % 2**32)  # noqa: NPY002
        try:
            yield
        finally:
            random.setstate(python_state)
            np.random.set_state(numpy_state)  # noqa: NPY002


def seed_global_torch(seed: int, devices: Iterable[torch.device | str] = ()) -> None:
    """torch's global CPU generator seeded with ``seed``, and every device's as well
    (`torch.manual_seed`) only where ``devices`` (those of the model or tensors that draw)
    holds one other than the CPU. `torch.manual_seed` also queues CUDA's seeding, with a
    stack trace, even on a machine without CUDA: about 1 ms a call under pytest, 22 calls a
    probe of the model; and for a model on the CPU it seeded CUDA's generator outside a
    ``fork_rng(devices=[])``, the caller's CUDA random state moved. The CPU generator is
    seeded just as `torch.manual_seed` seeds it: the same draws."""
    import torch

    if any(torch.device(d).type != "cpu" for d in devices):
        torch.manual_seed(seed)
    else:
        torch.random.default_generator.manual_seed(int(seed))


def torch_rng_state(device: torch.device) -> tuple[torch.Tensor, ...]:
    """The states of torch's global generators a model on ``device`` draws from: the CPU's,
    and the device's own where it is a CUDA device (a model on the CPU leaves CUDA's alone).
    Two are equal where ``all(map(torch.equal, a, b))``: nothing was drawn between them."""
    import torch

    cuda = (torch.cuda.get_rng_state(device),) if device.type == "cuda" else ()
    return torch.random.get_rng_state(), *cuda


def set_torch_rng_state(state: Sequence[torch.Tensor], device: torch.device) -> None:
    """torch's global generators of ``device`` set to ``state`` (`torch_rng_state`'s)."""
    import torch

    torch.random.set_rng_state(state[0])
    for cuda in state[1:]:
        torch.cuda.set_rng_state(cuda, device)


@contextlib.contextmanager
def torch_rng_kept(
    device: torch.device, state: Sequence[torch.Tensor] | None = None
) -> Iterator[None]:
    """A block run from torch's global generators' ``state`` (`torch_rng_state`; ``None``:
    as they are) and the generators of ``device`` put back after: the draws of a probe or a
    replayed pass leave the caller's (and the run's) random state where it was."""
    saved = torch_rng_state(device)
    if state is not None:
        set_torch_rng_state(state, device)
    try:
        yield
    finally:
        set_torch_rng_state(saved, device)
