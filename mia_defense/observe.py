"""Observe: query trained models for what they release on every population sample (and on
perturbed copies); the result is `mia_defense.observations.Observations`."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from mia_defense.defenses.release import Release
from mia_defense.observations import QueryConfig
from mia_defense.training.stack import ModelStack

__all__ = [
    "gradient_norms",
    "observe",
    "observe_augmented",
    "perturbed_copies",
]

log = logging.getLogger(__name__)


def _shift(images: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    """Translate [N, C, H, W] by (dy, dx) pixels, filling with zeros."""
    out = torch.zeros_like(images)
    h, w = images.shape[-2:]
    out[..., max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = images[
        ..., max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)
    ]
    return out


def perturbed_copies(x: np.ndarray, *, queries: QueryConfig, seed: int) -> list[torch.Tensor]:
    """A perturbed copies of ``x`` [N, ...]: shifts/flips for images, feature noise otherwise."""
    inputs = torch.as_tensor(x, dtype=torch.float32)
    rng = np.random.default_rng(seed)
    image = inputs.ndim == 4 and (queries.max_shift > 0 or queries.flip)
    scale = inputs.std(dim=0, keepdim=True).clamp_min(1e-6)
    copies = []
    for a in range(queries.num_augmented):
        if image:
            dy, dx = (int(v) for v in rng.integers(-queries.max_shift, queries.max_shift + 1, 2))
            copy = _shift(inputs, dy, dx)
            copies.append(copy.flip(-1) if queries.flip and a % 2 == 0 else copy)
        else:
            noise = torch.as_tensor(rng.standard_normal(inputs.shape), dtype=torch.float32)
            copies.append(inputs + queries.noise_std * scale * noise)
    return copies


@torch.no_grad()
def _all_logits(models: Sequence[nn.Module], inputs: torch.Tensor, batch_size: int) -> torch.Tensor:
    """Logits [K, N, C] of every model, in eval mode.

    Models of one architecture run as one stacked forward pass (``vmap`` over the model
    axis, `ModelStack`); a module ``torch.func`` cannot run is queried on its own.
    """
    for model in models:
        model.eval()
    if _stackable(models):
        stack = ModelStack(models, [len(models)])
        rows = max(1, batch_size * 8 // len(models))  # bounds the [K, rows, width] activations
        try:
            return torch.cat(
                [stack.forward(chunk, shared=True) for chunk in inputs.split(rows)], 1
            )
        except RuntimeError as err:  # e.g. a user module with an op vmap cannot batch
            log.debug("querying the models one by one: vmap failed: %s", err)
    return torch.stack(
        [torch.cat([model(chunk) for chunk in inputs.split(batch_size)]) for model in models]
    )


def _stackable(models: Sequence[nn.Module]) -> bool:
    """Whether the models share one architecture that ``vmap`` can run in eval mode."""
    shapes = [p.shape for p in models[0].parameters()]
    same = all(
        type(m) is type(models[0]) and [p.shape for p in m.parameters()] == shapes
        and repr(m) == repr(models[0])
        for m in models[1:]
    )
    return same and bool(shapes) and not any(
        getattr(m, "track_running_stats", False) for m in models[0].modules()
    )


def _release_all(
    logits: torch.Tensor, release: Release, generator: torch.Generator | None
) -> torch.Tensor:
    """The release applied to each model's logits in turn (noise drawn in model order)."""
    return torch.stack([release(model_logits, generator) for model_logits in logits])


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
    return _release_all(_all_logits(models, inputs, batch_size), release, generator).numpy()


def observe_augmented(
    models: Sequence[nn.Module],
    x: np.ndarray,
    *,
    release: Release,
    queries: QueryConfig,
    seed: int,
    generator: torch.Generator | None = None,
    batch_size: int = 4096,
) -> np.ndarray:
    """Released log-probabilities [K, A, N, C] on A perturbed copies of ``x``.

    Every model is queried on the same copies, so reference models calibrate the target.
    """
    copies = perturbed_copies(x, queries=queries, seed=seed)
    logits = torch.stack([_all_logits(models, copy, batch_size) for copy in copies], 1)
    return torch.stack(
        [_release_all(model_logits, release, generator) for model_logits in logits]
    ).numpy()


def _grad_norms(
    model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, batch_size: int
) -> np.ndarray:
    """[N] per-sample gradient norms of one model, with ``torch.func`` (vmap over samples)."""
    from torch.func import functional_call, grad, vmap

    model.eval()
    params = {k: v.detach() for k, v in model.named_parameters()}
    buffers = {k: v.detach() for k, v in model.named_buffers()}

    def loss(p: dict, xi: torch.Tensor, yi: torch.Tensor) -> torch.Tensor:
        logits = functional_call(model, (p, buffers), (xi[None],))
        return nn.functional.cross_entropy(logits, yi[None])

    per_sample = vmap(grad(loss), in_dims=(None, 0, 0))
    norms = []
    for xs, ys in zip(inputs.split(batch_size), targets.split(batch_size), strict=True):
        grads = per_sample(params, xs, ys)
        norms.append(sum(g.flatten(1).pow(2).sum(1) for g in grads.values()).sqrt())
    return torch.cat(norms).numpy()


def gradient_norms(
    models: Sequence[nn.Module], x: np.ndarray, y: np.ndarray, *, batch_size: int = 512
) -> np.ndarray | None:
    """White-box signal: L2 norm of each sample's loss gradient w.r.t. the parameters [K, N].

    Returns ``None`` with a warning for a model ``torch.func`` cannot differentiate per
    sample (the gradient attack is then skipped).
    """
    inputs = torch.as_tensor(x, dtype=torch.float32)
    targets = torch.as_tensor(y, dtype=torch.long)
    try:
        return np.stack([_grad_norms(m, inputs, targets, batch_size) for m in models])
    except Exception as exc:  # any model torch.func rejects: skip the signal, keep the run
        log.warning("white-box gradient norms skipped: %s: %s", type(exc).__name__, exc)
        return None
