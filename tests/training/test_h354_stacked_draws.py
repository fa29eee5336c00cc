"""A model of one's own that draws from torch's generator in forward (F.dropout, noise by
torch.randn_like, torch.randn(shape), a hand-made mask torch.rand(shape) < p) trained
stacked with draws that are not the ones each model draws trained alone, its weights 0.1
from a separate run's, and nothing said so (the shipped nn.Dropout alike). Stacked draws
stay (each model its own, reproducible under the same config); the log says so at INFO
and results.json's ``training.stacked_draws`` records it; chunks of one draw as alone.
DP-SGD's per-sample pass refuses a draw it cannot replay; state a forward changes outside
the model (a global counter) is warned of."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from mia_defense.models import MLP
from mia_defense.models.build import STATE_OUTSIDE, check_model_output
from mia_defense.models.probes import stacked_draws, state_outside
from mia_defense.training.config import TrainConfig
from mia_defense.training.ensemble import train_ensemble

D, C = 6, 3


class Noised(nn.Module):
    def __init__(self, draw=None, *, always: bool = False) -> None:
        super().__init__()
        self.fc, self.head, self.draw, self.always = nn.Linear(D, 8), nn.Linear(8, C), draw, always

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.fc(x))
        if self.draw is not None and (self.training or self.always):
            h = self.draw(h)
        return self.head(h)


DRAWS = {
    "F.dropout": lambda h: F.dropout(h, 0.3),
    "randn_like": lambda h: h + 0.3 * torch.randn_like(h),
    "randn(shape)": lambda h: h + 0.3 * torch.randn(h.shape[-1]),
    "rand(shape) < p": lambda h: h * (torch.rand(h.shape) < 0.7) / 0.7,
}


@pytest.mark.parametrize("draw", DRAWS.values(), ids=DRAWS)
def test_a_forward_drawing_from_torch_is_said(draw) -> None:
    said = stacked_draws(Noised(draw), (D,))
    assert said.startswith("Noised's forward draws from torch's random generator in training "
                           "mode (dropout, torch.rand_like, ...): each stacked model gets")
    assert "differ from a separate run's" in said
    mc = stacked_draws(Noised(draw, always=True), (D,))
    assert "in training mode and eval mode" in mc


def test_no_draw_nothing_said_and_the_generator_left() -> None:
    plain, mlp = Noised(), MLP(input_shape=(D,), num_classes=C)  # (dropout 0)
    dropout = MLP(input_shape=(D,), num_classes=C, dropout=0.2)
    state = torch.get_rng_state()
    assert stacked_draws(plain, (D,)) is None and stacked_draws(mlp, (D,)) is None
    assert "MLP's forward draws" in stacked_draws(dropout, (D,))
    assert torch.equal(torch.get_rng_state(), state)


def _trained(chunk_size: int, caplog) -> tuple[list[torch.Tensor], str | None]:
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(30, D)).astype(np.float32), rng.integers(0, C, 30)
    masks = np.zeros((3, 30), dtype=bool)
    masks[0, :15], masks[1, 8:23], masks[2, 15:] = True, True, True
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="mia_defense.training.ensemble"):
        ensemble = train_ensemble(
            build_model=lambda: Noised(DRAWS["randn_like"]), x=x, y=y, masks=masks,
            x_test=x[:6], y_test=y[:6], num_classes=C, seed=0, progress=False,
            config=TrainConfig(epochs=1, batch_size=8, lr=0.05, chunk_size=chunk_size),
        )
    logged = [r.getMessage() for r in caplog.records if "draws from torch" in r.getMessage()]
    assert logged == ([f"training models stacked: {ensemble.stacked_draws}"]
                      if ensemble.stacked_draws else [])  # fmt: skip
    return [torch.cat([p.flatten() for p in m.parameters()]) for m in ensemble.models], \
        ensemble.stacked_draws


def test_stacked_draws_reproduce_and_are_recorded_chunks_of_one_not(caplog) -> None:
    first, said = _trained(3, caplog)
    again, _ = _trained(3, caplog)
    alone, none = _trained(1, caplog)
    assert said is not None and none is None
    assert all(torch.equal(a, b) for a, b in zip(first, again, strict=True))
    assert all(not torch.allclose(a, b, atol=1e-4) for a, b in zip(first, alone, strict=True))


@pytest.mark.parametrize("name", ["F.dropout", "randn_like", "randn(shape)"])
def test_dp_per_sample_pass_replays_the_engines_draws_or_refuses(name) -> None:
    """DP-SGD's per-sample pass (mixed, materialised) replays the engine pass's draws; a
    draw made once for the batch (torch.randn(shape)) was drawn per sample there: each
    clipped gradient 1.6 off the batch's own, unsaid. Now refused, naming Opacus'."""
    from mia_defense.defenses.dp_stacked import clipped_grad_sums, sample_output_grads
    from mia_defense.errors import UnsupportedModelError
    from mia_defense.training.stack import ModelStack

    torch.manual_seed(0)
    stack = ModelStack([Noised(DRAWS[name]) for _ in range(2)], [2])
    x, y = torch.randn(2, 5, D), torch.randint(0, C, (2, 5))
    valid = torch.ones(2, 5, dtype=torch.bool)
    state = torch.get_rng_state()
    logits = stack.forward(x)
    loss = F.cross_entropy(logits.transpose(1, 2), y, reduction="none").mean(1)
    loss.sum().backward(retain_graph=True)
    batch = {n: p.grad * 5 for n, p in stack.stacked().items()}  # (the mean's B = 5)
    out_grads = sample_output_grads(logits, loss, valid)
    torch.set_rng_state(state)  # (as DP-SGD replays the engine's pass)
    kwargs = dict(max_grad_norm=1e6, strategy="materialised", logits=logits)
    if name == "randn(shape)":
        with pytest.raises(UnsupportedModelError, match=r"drawn afresh for each sample .* "
                           r"train\.engine=opacus"):  # fmt: skip
            clipped_grad_sums(stack, x, out_grads, valid, **kwargs)
        return
    sums, _ = clipped_grad_sums(stack, x, out_grads, valid, **kwargs)
    for n, value in sums.items():  # (no clipping at C = 1e6: the batch's gradient)
        torch.testing.assert_close(value, batch[n], atol=1e-5, rtol=1e-4)


STEPS = 0
CALLS = [0]
ONCE = None


class _Counted(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(D, C)


class GlobalStep(_Counted):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        global STEPS
        STEPS += 1
        return self.fc(x) * (0.5 if STEPS > 200 else 1.0)  # (anneals after 200 calls)


class ListCount(_Counted):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        CALLS[0] += 1
        return self.fc(x)


class ClassCount(_Counted):
    count = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        type(self).count += 1
        return self.fc(x)


class SetOnce(_Counted):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        global ONCE
        ONCE = torch.ones(C) if ONCE is None else ONCE  # (a value set once: no counter)
        return self.fc(x) * ONCE


@pytest.mark.parametrize(("model", "changed"), [
    (GlobalStep, [f"{__name__}.STEPS"]), (ListCount, [f"{__name__}.CALLS"]),
    (ClassCount, ["ClassCount.count"]), (SetOnce, []), (lambda: Noised(), []),
])  # fmt: skip
def test_state_changed_outside_the_model_is_named(model, changed) -> None:
    """A counter outside the model that the output probes missed (it acts after 200
    calls) left a 3-model chunk 0.57 from the same models trained in chunks of one, and
    the loop shares it too: each model starts where the one before stopped. Warned of."""
    assert state_outside(model(), (D,)) == changed


def test_the_model_check_warns_of_it(caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="mia_defense.models.build"):
        check_model_output(GlobalStep(), input_shape=(D,), num_classes=C, name="my.Net")
    assert [r.getMessage() for r in caplog.records] == [STATE_OUTSIDE % (
        "model._target_=my.Net", f"{__name__}.STEPS")]
