"""api.observe_models on models that run code of their own around their layers (forward
hooks, a forward set on the instance) releases each model's own outputs: the stacked
query ran the first model's module, its hooks for all and the others' never."""

from __future__ import annotations

import types

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense import api
from mia_defense.observe import _all_logits


def _models(k: int = 4) -> list[nn.Module]:
    torch.manual_seed(0)
    return [nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3)) for _ in range(k)]


def _each_alone(models: list[nn.Module], x: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return torch.stack([model.eval()(x) for model in models])


def test_observe_models_releases_each_models_own_hook() -> None:
    """Before: models 1-3 released model 0's temperature (off by up to 1.8 in log-prob)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 5)).astype(np.float32)
    y = rng.integers(0, 3, 60)
    plan = api.make_plan(x, y, num_models=4)
    models = _models()
    for model, temperature in zip(models, (1.0, 3.0, 0.5, 2.0), strict=True):
        model.register_forward_hook(lambda m, a, out, t=temperature: out * t)
    obs = api.observe_models(models, x, y, plan)
    rows = torch.as_tensor(x[plan.population_idx])
    expected = torch.log_softmax(_each_alone(models, rows), -1).numpy()
    np.testing.assert_allclose(obs.log_probs, expected, atol=1e-5)


def test_pre_hook_on_one_models_layer_runs_for_that_model_only() -> None:
    models = _models(3)
    models[2][0].register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    x = torch.randn((20, 5))
    torch.testing.assert_close(_all_logits(models, x, 16), _each_alone(models, x))


def test_forward_set_on_an_instance_runs_for_that_model_only() -> None:
    models = _models(3)
    plain = models[1].forward
    models[1].forward = types.MethodType(lambda self, x: plain(x) * 2.0, models[1])
    x = torch.randn((20, 5))
    torch.testing.assert_close(_all_logits(models, x, 16), _each_alone(models, x))


def test_a_hook_every_model_shares_keeps_the_stacked_query(monkeypatch) -> None:
    """defense=dropout's pre-hook (one bound method on every model) stays stacked."""
    calls = []

    def stacked_forward(self, x, *, shared=False):
        calls.append(x)
        return torch.zeros((len(self.models), len(x), 3))

    monkeypatch.setattr("mia_defense.observe.ModelStack.forward", stacked_forward)
    models = _models(3)

    def shared(module: nn.Module, args: tuple) -> tuple:
        return (args[0] * 0.5,)

    for model in models:
        model[2].register_forward_pre_hook(shared)
    _all_logits(models, torch.randn((20, 5)), 16)
    assert calls


class _Quiet(nn.Module):
    """An MLP whose __repr__ hides its layers (a class of one's own may print its name)."""

    def __init__(self, act: nn.Module | None) -> None:
        super().__init__()
        self.fc = nn.Linear(5, 3)
        if act is not None:
            self.act = act

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.fc(x)
        return self.act(out) if hasattr(self, "act") else out

    def __repr__(self) -> str:
        return "Quiet()"


@pytest.mark.parametrize("acts", [(None, nn.ReLU(), None), (nn.Sigmoid(), nn.Tanh(), nn.Sigmoid())])
def test_models_whose_repr_hides_other_layers_answer_with_their_own(acts) -> None:
    """Before: a layer one model lacks was a raw ValueError from zip(strict=True); a Tanh in
    place of a Sigmoid was run as the first model's Sigmoid, without a word."""
    torch.manual_seed(0)
    models = [_Quiet(act) for act in acts]
    x = torch.randn((20, 5))
    torch.testing.assert_close(_all_logits(models, x, 16), _each_alone(models, x))


class _ArrayHook:
    """A hook object whose == answers with an array (numpy's elementwise comparison)."""

    def __init__(self, scale: float) -> None:
        self.scale = np.array([scale, scale])

    def __call__(self, module: nn.Module, args: tuple, out: torch.Tensor) -> torch.Tensor:
        return out * float(self.scale[0])

    def __eq__(self, other: object) -> bool:
        return self.scale == getattr(other, "scale", None)  # type: ignore[return-value]

    __hash__ = object.__hash__


def test_hooks_whose_equality_is_an_array_are_compared_without_error() -> None:
    """Before: the hooks' list comparison asked bool() of numpy's answer, a raw ValueError
    ('The truth value of an array with more than one element is ambiguous')."""
    models = _models(3)
    for model, scale in zip(models, (1.0, 2.0, 3.0), strict=True):
        model.register_forward_hook(_ArrayHook(scale))
    x = torch.randn((20, 5))
    torch.testing.assert_close(_all_logits(models, x, 16), _each_alone(models, x))


def test_one_hook_object_every_model_shares_keeps_the_stacked_query() -> None:
    from mia_defense.observe import _stackable

    models = _models(3)
    shared = _ArrayHook(2.0)
    for model in models:
        model.register_forward_hook(shared)
    assert _stackable(models)
