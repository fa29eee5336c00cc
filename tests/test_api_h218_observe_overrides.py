"""api.observe_models' overrides: a generator of them was used up by the check and its
settings dropped without a word (attack.queries.repeats=2 asked 16 times), and an override
of another attack setting (attack.bootstrap=5) did nothing here, unsaid."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mia_defense import api
from mia_defense.defenses.release import NoiseRelease
from mia_defense.errors import ConfigError


@pytest.fixture(scope="module")
def setup():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 5)).astype(np.float32)
    y = rng.integers(0, 3, 40)
    torch.manual_seed(0)
    return x, y, api.make_plan(x, y, num_models=4), [torch.nn.Linear(5, 3) for _ in range(4)]


def test_a_generator_of_overrides_takes_effect(setup) -> None:
    x, y, plan, models = setup
    overrides = (o for o in ["attack.queries.repeats=2"])
    obs = api.observe_models(models, x, y, plan, release=NoiseRelease(scale=0.3),
                             overrides=overrides)  # fmt: skip
    assert obs.metadata["randomized_release_repeats"] == 2


@pytest.mark.parametrize("override", ["attack.bootstrap=5", "attack.num_targets=2",
                                      "~attack.attacks.shokri"])  # fmt: skip
def test_an_override_observe_models_does_not_read_is_refused(setup, override) -> None:
    x, y, plan, models = setup
    with pytest.raises(ConfigError, match=rf"observe_models: overrides: '{override}': "
                       r"observe_models reads the attack\.queries settings only"):  # fmt: skip
        api.observe_models(models, x, y, plan, overrides=[override])


def test_query_overrides_still_pass(setup) -> None:
    x, y, plan, models = setup
    obs = api.observe_models(models, x, y, plan, num_augmented=1,
                             overrides=["attack.queries.noise_std=0.1"])  # fmt: skip
    assert obs.augmented_logits is not None
