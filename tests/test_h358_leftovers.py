"""Leftovers J (h358): white-box per-sample gradients of a model that draws in eval mode."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from mia_defense.observe import gradient_norms

DRAWS = {  # (eval mode too: the white-box pass runs the models in eval mode)
    "randn_like": lambda h: h + torch.randn_like(h),
    "randn(shape)": lambda h: h + torch.randn(h.shape[-1]),  # one noise for the batch
}


class Noised(nn.Module):
    def __init__(self, draw) -> None:  # type: ignore[no-untyped-def]
        super().__init__()  # (LayerNorm: no ghost rule, so the vmap(grad) path)
        self.fc, self.norm, self.head = nn.Linear(4, 8), nn.LayerNorm(8), nn.Linear(8, 3)
        self.draw = draw

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.draw(self.norm(self.fc(x))))


@pytest.mark.parametrize("name", list(DRAWS))
def test_white_box_gradients_of_the_model_that_answers_or_skipped(name, caplog) -> None:
    """vmap refused any draw ('torch.func cannot form per-sample gradients ... randomness
    error mode'), a per-sample one too. Now a per-sample draw gives the batch pass's own
    per-sample gradients, and a draw made once for the batch (drawn afresh per sample under
    vmap) skips the signal saying so, as DP-SGD's per-sample pass does (f27d574e)."""
    torch.manual_seed(0)
    model = Noised(DRAWS[name])
    x, y = torch.randn(5, 4), torch.tensor([0, 1, 2, 0, 1])
    torch.manual_seed(1)
    with caplog.at_level(logging.WARNING, logger="mia_defense.observe"):
        norms = gradient_norms([model], x.numpy(), y.numpy())
    if name == "randn(shape)":
        assert norms is None
        assert "attack.white_box: Noised's outputs on one sample at a time" in caplog.text
        assert "drawn afresh for each sample there; draw per sample" in caplog.text
        return
    torch.manual_seed(1)  # the batch's own pass under the same draws
    losses = F.cross_entropy(model(x), y, reduction="none")
    expected = [torch.cat([g.flatten() for g in torch.autograd.grad(
        loss, list(model.parameters()), retain_graph=True)]).norm() for loss in losses]
    np.testing.assert_allclose(norms[0], torch.stack(expected).numpy(), rtol=1e-4)


@pytest.mark.parametrize("err, call", [
    (torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"), 1),
    (RuntimeError("[enforce fail at alloc_cpu.cpp:117] data. DefaultCPUAllocator: can't "
                  "allocate memory: you tried to allocate 1000 bytes"), 2),  # (eval mode)
])
def test_stacking_probe_out_of_memory_said_as_memory(err, call, monkeypatch) -> None:
    """The stacking probe's lack of memory sent the models one at a time as 'torch.func
    cannot run MLP: OutOfMemoryError: ...' (a fault of the model's, to a reader). One at a
    time is still the way (stacked chunks hold more than the probe); the reason says why."""
    from mia_defense.models import MLP
    from mia_defense.training.stack import ModelStack, vmap_blocker

    calls, forward = [], ModelStack.forward

    def failing(self, x, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == call:
            raise err
        return forward(self, x, **kwargs)

    monkeypatch.setattr(ModelStack, "forward", failing)
    reason = vmap_blocker(MLP(input_shape=(4,), num_classes=3), (4,))
    assert reason is not None and reason.startswith(
        "two stacked copies of MLP on two samples ran out of memory ("
        f"{type(err).__name__}: "), reason
    assert reason.endswith("free memory for the run (fewer runs or other jobs at once) to "
                           "stack them")


COUNT = [0]


class GlobalCounter(nn.Module):
    """Scales its logits by a count kept in a global: acts at the next call."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        COUNT[0] += 1
        return self.fc(x) * (1 + 0.01 * (COUNT[0] % 7))


def test_fallback_for_a_global_counter_says_one_at_a_time_shares_it() -> None:
    """The fallback's reason said 'stacked models would all run the first model's' as if one
    at a time kept the count apart, beside 29f6d54b's warning that the models share it
    whichever engine trains them. It names the global and says one at a time shares it too."""
    from mia_defense.models.probes import probed_blocker

    reason = probed_blocker(GlobalCounter(), (4,))
    assert reason is not None and (
        f"changes {__name__}.COUNT outside the model, which one at a time does not keep apart "
        "either (each model starts where the one before stopped)") in reason, reason
