"""h378: a notebook user's own objects handed to the Python API (mia_defense.api)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense import api


def _data(rows: int = 120) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(rows, 5)).astype(np.float32)
    return x, (x[:, 0] > 0).astype(np.int64)


def _models(k: int) -> list[nn.Module]:
    out = []
    for seed in range(k):
        torch.manual_seed(seed)
        out.append(nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 2)))
    return out


@pytest.mark.parametrize("white_box", [False, True])
def test_one_model_with_a_frozen_layer_is_queried(white_box: bool) -> None:
    """One of the K models with a frozen layer (requires_grad=False, the others trainable)
    was torch.func's raw RuntimeError 'Expected 0.weight from each model to have the same
    .requires_grad' from the stacked query; it is queried as the others (on its own), its
    logits those of the model, and left frozen."""
    x, y = _data()
    plan = api.make_plan(x, y, num_models=4, population_size=80)
    models = _models(4)
    models[0][0].weight.requires_grad_(False)
    obs = api.observe_models(models, x, y, plan, white_box=white_box)
    with torch.no_grad():
        want = torch.log_softmax(models[0](torch.as_tensor(x[plan.population_idx])), -1)
    np.testing.assert_allclose(obs.log_probs[0], want.numpy(), rtol=1e-5, atol=1e-5)
    assert not models[0][0].weight.requires_grad and models[1][0].weight.requires_grad
    assert (obs.grad_norms is not None) is white_box


def _fields() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(4, 10, 3))
    log_probs = (logits - np.log(np.exp(logits).sum(-1, keepdims=True))).astype(np.float32)
    masks = np.zeros((4, 10), bool)
    masks[:2, ::2] = masks[2:, 1::2] = True
    return {"log_probs": log_probs, "labels": rng.integers(0, 3, 10), "masks": masks}


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"labels": np.zeros(9, np.int64)}, r"inconsistent shapes: .*labels \(9,\); give"),
        ({"grad_norms": np.ones((4, 9), np.float32)}, r"grad_norms has shape \(4, 9\)"),
        ({"test_log_probs": np.zeros((4, 5, 3), np.float32)}, "go together"),
        ({"test_log_probs": np.zeros((4, 5, 2), np.float32),
          "test_labels": np.zeros(5, np.int64)}, r"expected \[4, M, 3\] and \[M\]"),
        ({"augmented_logits": np.zeros((4, 2, 10), np.float32)}, "go together"),
    ],
)
def test_observations_built_by_hand_refused_as_data(change: dict, said: str) -> None:
    """`Observations(...)` (README: a user's own) refused fields of other shapes with a bare
    ValueError naming neither Observations nor what to give ('inconsistent shapes:
    log_probs ..., labels (9,)'), where its other refusals are `DataError`s naming it."""
    from mia_defense.errors import DataError
    from mia_defense.observations import Observations

    with pytest.raises(DataError, match=rf"^Observations: .*{said}"):
        Observations(**{**_fields(), **change})


class _TrainReturnsNone(nn.Module):
    """A module whose own ``train`` sets the mode but returns None (so ``eval()`` does)."""

    def __init__(self, seed: int) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.layer = nn.Linear(5, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer(x)

    def train(self, mode: bool = True) -> None:  # type: ignore[override]
        self.training = mode
        for child in self.children():
            child.train(mode)


def test_a_module_whose_train_returns_none_is_queried() -> None:
    """A module whose ``train()`` returns None (torch's returns self) was refused as failing
    on 2 rows of x ('TypeError: 'NoneType' object is not callable'): the probe called
    ``model.eval()(batch)``. Its forward is fine; it is queried, left in the mode given."""
    x, y = _data()
    plan = api.make_plan(x, y, num_models=4, population_size=80)
    models = [_TrainReturnsNone(seed) for seed in range(4)]
    obs = api.observe_models(models, x, y, plan)
    with torch.no_grad():
        want = torch.log_softmax(models[2](torch.as_tensor(x[plan.population_idx])), -1)
    np.testing.assert_allclose(obs.log_probs[2], want.numpy(), rtol=1e-5, atol=1e-5)
    assert all(model.training for model in models)


@pytest.mark.parametrize("seed", [2**32, 10**30, np.uint64(2**64 - 1)])
@pytest.mark.parametrize("call", ["observe_models", "audit"])
def test_a_seed_beyond_the_range_is_named_by_the_call(call: str, seed: int) -> None:
    """observe_models(..., seed=2**32) and audit(obs, seed=2**32) were refused by the attack
    config's 'seed=4294967296: at most 4294967295 (scikit-learn's random_state range:
    Shokri's attack model takes it)', naming neither the call nor an attack observe_models
    runs; they are refused as make_plan's, naming the call, before any query."""
    from mia_defense.errors import ConfigError

    x, y = _data()
    plan = api.make_plan(x, y, num_models=4, population_size=80)
    models = _models(4)
    with pytest.raises(ConfigError, match=rf"^{call}: seed=.*: at most 4294967295, mia-train's "
                       "seed range; choose a smaller seed$"):  # fmt: skip
        if call == "observe_models":
            api.observe_models(models, x, y, plan, seed=seed)
        else:
            api.audit(api.observe_models(models, x, y, plan), seed=seed)


@pytest.mark.parametrize("metadata", [{1: "a", "1": "b"}, {"runs": [{None: 1, "None": 2}]}])
def test_metadata_keys_that_json_makes_one_are_refused(metadata: dict) -> None:
    """observations_from_arrays(metadata={1: 'a', '1': 'b'}) kept {'1': 'b'}: JSON's keys
    are text, so 1's fact was dropped without a word (in memory and in the saved file)."""
    from mia_defense.errors import ConfigError

    fields = _fields()
    with pytest.raises(ConfigError, match=r"^observations_from_arrays: metadata: keys .* are "
                       r"one key, '(1|None)'"):  # fmt: skip
        api.observations_from_arrays(fields["log_probs"], fields["masks"], fields["labels"],
                                     metadata=metadata)  # fmt: skip
    kept = api.observations_from_arrays(fields["log_probs"], fields["masks"], fields["labels"],
                                        metadata={1: "a", "b": {"c": 1}})  # fmt: skip
    assert kept.metadata == {"1": "a", "b": {"c": 1}}


def test_observations_saved_with_merging_metadata_keys_are_refused(tmp_path) -> None:
    """Observations(..., metadata={1: 'a', '1': 'b'}).save(path) wrote {'1': 'b'}: the file
    lost 1's fact without a word; refused before anything is written."""
    from mia_defense.errors import DataError
    from mia_defense.observations import Observations

    obs = Observations(**_fields(), metadata={1: "a", "1": "b"})
    path = tmp_path / "observations.npz"
    with pytest.raises(DataError, match=r"^Observations: metadata: keys 1 and '1' are one key"):
        obs.save(path)
    assert not path.exists()


def test_a_noise_std_beyond_float32_is_refused_as_mia_train_refuses_it() -> None:
    """observe_models(..., num_augmented=2, overrides=['attack.queries.noise_std=1e300'])
    blamed the model ('released NaN ... a sqrt or log of a feature'): the perturbed copies'
    inputs were inf. It is refused by the setting, in mia-train's words."""
    from mia_defense.errors import ConfigError

    x, y = _data()
    plan = api.make_plan(x, y, num_models=2, population_size=80)
    with pytest.raises(ConfigError, match=r"observe_models: overrides: attack\.queries\.noise_"
                       r"std=1e\+300: at most 1000"):
        api.observe_models(_models(2), x, y, plan, num_augmented=2,
                           overrides=["attack.queries.noise_std=1e300"])
