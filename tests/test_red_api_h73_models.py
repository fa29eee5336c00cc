"""Red-team cases of `api.observe_models`: modules that misbehave on the queries."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense import api
from mia_defense.errors import ConfigError, DataError, UnsupportedModelError


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 4)).astype(np.float32)
    y = np.arange(40) % 3
    return x, y, api.make_plan(x, y, num_models=2, population_size=30)


class DoublesInPlace(nn.Module):
    """Scales its input in place; BatchNorm makes the query loop run the models in turn."""

    def __init__(self) -> None:
        super().__init__()
        self.bn = nn.BatchNorm1d(4)
        self.fc = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x.mul_(2)
        return self.fc(self.bn(x))


def test_a_module_modifying_its_input_in_place_is_refused_by_index(data):
    # the models were queried one after another on views of one array: model 1 got the rows
    # model 0 had doubled, and its released outputs were another model's (max 5.6 off)
    x, y, plan = data
    torch.manual_seed(0)
    models = [DoublesInPlace() for _ in range(2)]
    given = x.copy()
    with pytest.raises(UnsupportedModelError,
                       match=r"models\[0\] \(DoublesInPlace\) modifies its input in place"):
        api.observe_models(models, given, y, plan)
    np.testing.assert_array_equal(given, x)


class FailsOnLargeBatches(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if len(x) > 2:
            raise RuntimeError("only two rows at a time")
        return self.fc(x)


def test_a_module_failing_after_the_probe_is_named_with_where_it_raised(data):
    # it passed on the probe's 2 rows, then the batched query raised a bare RuntimeError
    x, y, plan = data
    models = [FailsOnLargeBatches() for _ in range(2)]
    with pytest.raises(UnsupportedModelError, match=r"models\[0\] \(FailsOnLargeBatches\) "
                       r"raised RuntimeError on the queries: only two rows at a time \(at .*"
                       r"test_red_api_h73_models.py:\d+, in forward\)"):
        api.observe_models(models, x, y, plan)


class Lookup(nn.Module):
    """No parameters: fixed scores (a wrapped model of another library)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, :3] * 1.0


class ItemScaled(nn.Module):
    """Calls .item(), which torch.func cannot take per-sample gradients through (its own
    weight, no layer of known per-sample gradients: torch.func's path)."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(4, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.weight / (1.0 + x.abs().max().item())


@pytest.mark.parametrize(("cls", "message"), [
    (Lookup, r"white_box=True: models\[0\] \(Lookup\) has no trainable parameters"),
    (ItemScaled, r"white_box=True: torch.func cannot take the models' per-sample gradients"),
])
def test_white_box_the_models_cannot_give_is_refused_not_skipped(data, cls, message):
    # the gradient norms were skipped with a log line and the observations came back
    # without them: the user who asked for the white-box attack got none
    x, y, plan = data
    with pytest.raises(UnsupportedModelError, match=message):
        api.observe_models([cls() for _ in range(2)], x, y, plan, white_box=True)
    assert api.observe_models([cls() for _ in range(2)], x, y, plan).grad_norms is None


def test_the_lower_api_names_what_it_was_given_instead_of_observations(data):
    # an AttributeError ('Audit' object has no attribute 'test_log_probs') before
    x, y, plan = data
    obs = api.observe_models([nn.Linear(4, 3) for _ in range(2)], x, y, plan)
    with pytest.raises(ConfigError, match=r"released_utility: obs is a str, not Observations"):
        api.released_utility("observations.npz")
    with pytest.raises(ConfigError, match=r"run_audit: obs is a dict, not Observations"):
        api.run_audit({}, api.attack_config([]), defended=True)
    with pytest.raises(ConfigError, match=r"run_audit: cfg is a dict, not a composed config"):
        api.run_audit(obs, {}, defended=True)
    with pytest.raises(ConfigError, match=r"attack_settings: cfg is a str, not a composed config"):
        api.attack_settings("x", num_models=2, num_classes=3, defended=False)


def test_labels_beyond_the_models_classes_are_refused_before_the_queries(data):
    # every query was made, then observations_from_arrays listed the labels as a problem
    # of the observations
    x, y, plan = data
    with pytest.raises(DataError, match=r"the models return logits for 2 classes, but y "
                       r"holds label 2 among the plan's rows"):
        api.observe_models([nn.Linear(4, 2) for _ in range(2)], x, y, plan)


class WiderOnLargeBatches(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.fc(x)
        return out if len(x) > 2 else out[:, :3]


def test_a_module_wider_on_the_queries_than_on_the_probe_is_refused(data):
    # the observations came back with 4 classes for labels of 3 (mia-train refuses it)
    x, y, plan = data
    with pytest.raises(UnsupportedModelError, match=r"the models returned 4 outputs per "
                       r"population record, 3 on the probe's 2 rows"):
        api.observe_models([WiderOnLargeBatches() for _ in range(2)], x, y, plan)


class DropoutWhenQueried(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(nn.functional.dropout(x, 0.3, training=True))


def test_observe_models_warns_of_modules_answering_at_random(data, caplog):
    import logging

    x, y, plan = data
    with caplog.at_level(logging.WARNING):
        api.observe_models([DropoutWhenQueried() for _ in range(2)], x, y, plan)
    assert ("observe_models: models[0] (DropoutWhenQueried) answers the same input "
            "differently in eval mode") in caplog.text
