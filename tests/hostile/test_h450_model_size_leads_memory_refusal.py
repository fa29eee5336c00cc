"""mia-train model.hidden=[1000000000] was refused as 'plan.num_models=2: the run needs about
... lower plan.num_models, plan.population_size or attack.queries.num_augmented; even 2
models trained one at a time need ...: use a smaller model': plan.num_models=2 is already
the fewest, and the one key that helps, a smaller model, came last. Where even 2 models
trained one at a time outgrow the memory, the model's size leads (helper h450)."""

from __future__ import annotations

import pytest

from mia_defense.budget import check_budget
from mia_defense.errors import ConfigError

SIZES = dict(num_models=2, population_size=1000, test_size=797, num_classes=10,
             num_params=75_000_000_010, num_augmented=8, epochs=1, batch_size=64,
             memory_bytes=24 * 10**9)  # fmt: skip


def _memory_refusal(**sizes: int) -> str:
    with pytest.raises(ConfigError) as refused:
        check_budget(**{**SIZES, **sizes})
    return str(refused.value).splitlines()[0]


@pytest.mark.parametrize("num_models", [2, 16])
def test_a_model_too_large_for_any_plan_leads_with_the_model(num_models):
    said = _memory_refusal(num_models=num_models)
    assert said.startswith("model (75000000010 parameters per model): even 2 models trained "
                           "one at a time need 1.8 TB for their weights and optimizer state "
                           "but 24 GB is available; use a smaller model"), said
    # no advice that cannot help: fewer models, records or queries
    assert "lower plan.num_models" not in said
    assert "plan.population_size or" not in said
    assert f"the run as planned (plan.num_models={num_models}) needs about " in said


def test_other_keys_that_also_outgrow_the_memory_are_named_after_the_model():
    said = _memory_refusal(num_augmented=10**30)
    assert said.startswith("model (75000000010 parameters per model): "), said
    assert said.endswith("; lower attack.queries.num_augmented=1000000000000000000000000000000 "
                         "too"), said


def test_a_model_that_fits_one_at_a_time_keeps_the_plan_advice():
    said = _memory_refusal(num_params=100_000_000, num_models=1000, memory_bytes=10**10)
    assert said.startswith("plan.num_models=1000: the run needs about "), said
    assert "model (" not in said
