"""DP-SGD red team 9: runs that reported an ε more private than the mechanism that ran."""

from __future__ import annotations

import functools
import math

import pytest
import torch

from mia_defense.defenses import DPSGD, accounting
from mia_defense.errors import ConfigError, UnsupportedModelError
from mia_defense.training.config import TrainConfig
from mia_defense.training.engine import train_chunk


def _stats() -> dict:
    """A DP model's recorded figures (its ε computed when a test first asks, not while pytest
    collects the module: Opacus' RDP takes 0.3 s the first time in a process)."""
    return {"noise_multiplier": 1.1, "sample_rate": 0.1, "steps": 30, "delta": 1e-4,
            "epsilon": _epsilon()}  # fmt: skip


@functools.cache
def _epsilon() -> float:
    return accounting.epsilon_spent("rdp", ((1.1, 0.1, 30),), 1e-4)


@pytest.mark.parametrize("dataset", [{"standardize": True}, {"normalize": True, "path": "x"}])
def test_features_scaled_with_the_members_statistics_make_epsilon_invalid(dataset):
    # dataset.standardize=true computes means and standard deviations over every record,
    # members included, before training: results.json said epsilon_valid: true
    key = next(iter(dataset))
    privacy = DPSGD(noise_multiplier=1.1).privacy_report([_stats()], dataset=dataset)
    assert privacy["epsilon_valid"] is False
    reason = privacy["epsilon_invalid_reason"]
    assert reason.startswith(f"dataset.{key}=true: the features were scaled")
    assert f"set dataset.{key}=false" in reason
    assert type(privacy["preprocessing"]) is str  # results.json holds a plain string


@pytest.mark.parametrize("dataset", [{"standardize": False}, {"normalize": False}, {}])
def test_features_on_a_fixed_scale_keep_epsilon_valid(dataset):
    privacy = DPSGD(noise_multiplier=1.1).privacy_report([_stats()], dataset=dataset)
    assert privacy["epsilon_valid"] is True and "epsilon_invalid_reason" not in privacy


class RunningCenter(torch.nn.Module):
    """A layer without parameters that subtracts a running mean of its inputs, kept in a
    buffer updated while training: the members' statistic, never clipped or noised."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(width))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            with torch.no_grad():
                self.mean.mul_(0.9).add_(0.1 * x.mean(0))
        return x - self.mean


def test_a_buffer_updated_from_the_members_is_refused_under_dp():
    # Opacus refuses buffers of layers with parameters only: this model trained (one at a
    # time) and results.json said epsilon_valid: true
    model = torch.nn.Sequential(RunningCenter(4), torch.nn.Linear(4, 2))
    x = torch.randn(32, 4, generator=torch.Generator().manual_seed(0))
    with pytest.raises(UnsupportedModelError, match=r"defense.dp: Sequential updates its "
                       r"buffer '0.mean' while training.*outside DP-SGD's accounting"):
        train_chunk(
            [model], x=x, y=(x[:, 0] > 0).long(), masks=torch.ones((1, 32), dtype=torch.bool),
            x_test=x, y_test=(x[:, 0] > 0).long(), num_classes=2,
            config=TrainConfig(epochs=1, batch_size=8, lr=0.05),
            generators=[torch.Generator().manual_seed(0)],
            defenses=[DPSGD(noise_multiplier=1.0)],
        )  # fmt: skip
    assert torch.equal(model[0].mean, torch.zeros(4))  # refused before any step


@pytest.mark.parametrize("accountant", ["rdp", "prv"])
def test_a_sigma_whose_square_underflows_spends_infinite_epsilon(accountant):
    # defense.dp.noise_multiplier=1e-300 ended the run with Opacus' ZeroDivisionError
    # traceback at the first epoch's ε
    assert accounting.epsilon_spent(accountant, ((1e-300, 0.1, 10),), 1e-5) == math.inf


def test_the_sigma_search_ends_where_no_float_lies_between_its_ends(monkeypatch):
    # an accountant with no finite ε below σ = 0.004 and a target it never comes within
    # 0.01 of (a target of 1e300 with Opacus' RDP): the search halved towards a lower end
    # whose ε is infinite and never moved again (a hang)
    calls = []

    def fake(accountant, history, delta):
        calls.append(history)
        assert len(calls) < 10_000, "the search does not end"
        sigma = history[0][0]
        return math.inf if sigma < 0.004 else 1 / sigma**2

    monkeypatch.setattr(accounting, "epsilon_spent", fake)
    sigma = accounting._search_sigma("gdp", 1e6, 1e-5, 0.1, 10)
    assert 0.004 <= sigma < 0.004 * (1 + 1e-12)  # the least σ that spends at most 1e6


@pytest.mark.parametrize(("kwargs", "message"), [
    # NaN and inf trained NaN weights (or DivergedError) from Python; strings and bools
    # were a TypeError traceback or read as true ('false' sampled by Poisson, 'no' fixed)
    ({"noise_multiplier": math.nan}, r"noise_multiplier=nan: must be >= 0 and finite"),
    ({"noise_multiplier": math.inf}, r"noise_multiplier=inf: must be >= 0 and finite"),
    ({"noise_multiplier": 1.0, "max_grad_norm": math.inf}, r"max_grad_norm=inf: must be > 0"),
    ({"noise_multiplier": "1.0"}, r"noise_multiplier='1.0': must be a number or null"),
    ({"target_epsilon": True}, r"target_epsilon=True: must be a number or null"),
    ({"noise_multiplier": 1.0, "allow_unaccounted_sampling": "no",
      "poisson_sampling": False}, r"allow_unaccounted_sampling='no': must be true or false"),
    ({"noise_multiplier": 1.0, "max_physical_batch_size": 2.5},
     r"max_physical_batch_size=2.5: must be an integer >= 1 or null"),
])  # fmt: skip
def test_dp_settings_from_python_are_checked_as_the_config_is(kwargs, message):
    with pytest.raises(ConfigError, match=r"defense\.dp\." + message):
        DPSGD(**kwargs)


class SelfCentringLinear(torch.nn.Linear):
    """A linear layer whose forward pass moves its own bias towards the batch's mean."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            with torch.no_grad():
                self.bias.sub_(0.1 * x.mean())
        return super().forward(x)


def test_a_parameter_the_forward_pass_writes_to_is_refused_under_dp():
    from mia_defense.defenses.dp import refuse_updated_buffers

    with pytest.raises(UnsupportedModelError, match=r"updates its parameter 'bias' while"):
        refuse_updated_buffers(SelfCentringLinear(4, 2), (4,))
    refuse_updated_buffers(torch.nn.Sequential(torch.nn.Linear(4, 2), torch.nn.Dropout()), (4,))


def test_a_recorded_epsilon_its_own_sigma_steps_and_delta_do_not_give_is_not_reported():
    # an edited checkpoint (history stats epsilon 0.01) resumed: results.json reported that
    # model's ε 0.01 (and the run's, had every model's been edited) as a valid guarantee
    edited = {**_stats(), "epsilon": 0.01}
    privacy = accounting.privacy_report([edited, edited], accountant="rdp",
                                        noise_source="seeded", preprocessing="")  # fmt: skip
    assert privacy["epsilon"] == _stats()["epsilon"]  # recomputed from σ, q, steps, δ
    assert [m["epsilon"] for m in privacy["per_model"]] == [_stats()["epsilon"]] * 2
    assert privacy["epsilon_valid"] is False
    assert "2 model(s) recorded an ε their own σ, q, steps and δ do not give (model 0: 0.01 " \
        "recorded" in privacy["epsilon_invalid_reason"]
    same = accounting.privacy_report([_stats()], accountant="rdp", noise_source="seeded",
                                     preprocessing="")  # fmt: skip
    assert same["epsilon_valid"] is True and same["epsilon"] == _stats()["epsilon"]


def test_a_target_unreachable_at_a_tiny_delta_names_delta_as_a_way_out():
    # defense.dp.delta=1e-300: 'raise the target or lower train.epochs' left out the setting
    # that made ε=8 unreachable
    with pytest.raises(ConfigError, match=r"target_epsilon=8.0: unreachable with delta=1e-300"
                       r".*or raise defense.dp.delta, keeping it below 1/N"):
        DPSGD(target_epsilon=8.0, delta=1e-300).plan(sizes=[100], batch_size=50, epochs=1)
