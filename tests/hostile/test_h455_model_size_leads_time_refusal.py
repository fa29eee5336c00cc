"""A model too slow for any plan: check_budget(num_params=10**12, ...) on digits' 1000
population records, with the memory to hold it, was refused as 'plan.num_models=16,
train.epochs=30: training would take about 344 days ... lower plan.num_models, train.epochs or
plan.population_size', though even 2 models trained for 1 epoch take 42 h: neither key it
named first can help. Where the fewest models (2) for the fewest epochs (1) alone pass the
limit, the model's size leads, as h450 made it lead the memory refusal (helper h455)."""

from __future__ import annotations

import pytest

from mia_defense.budget import check_budget
from mia_defense.errors import ConfigError

DIGITS = dict(num_models=16, population_size=1000, test_size=797, num_classes=10,
              num_augmented=8, epochs=30, batch_size=64)  # fmt: skip
FITS_MEMORY = 10**15  # (24 bytes a parameter, 2 models: the memory refusal is not the one)
TOO_SLOW = 10**12  # parameters: 2 models, 1 epoch on these records pass 24 h at 1e11/s


def _time_refusal(**sizes: int) -> str:
    with pytest.raises(ConfigError) as refused:
        check_budget(**{**DIGITS, "memory_bytes": FITS_MEMORY, **sizes})
    lines = str(refused.value).splitlines()
    assert len(lines) == 1, lines  # (the time alone)
    return lines[0]


@pytest.mark.parametrize(("num_models", "epochs"), [(16, 30), (2, 1)])
def test_a_model_too_slow_for_any_plan_leads_with_the_model(num_models, epochs):
    said = _time_refusal(num_params=TOO_SLOW, num_models=num_models, epochs=epochs)
    assert said.startswith(f"model ({TOO_SLOW} parameters per model): even 2 models trained "
                           "for 1 epoch would take about "), said
    assert ("on 1000 population records and 797 test records, over the 24 h limit; use a "
            "smaller model (fewer or narrower layers in the model.* settings, e.g. "
            "model.hidden) or lower plan.population_size; the run as planned "
            f"(plan.num_models={num_models}, train.epochs={epochs}) would take about ") in said
    assert "lower plan.num_models" not in said  # (already the fewest, or cannot help)
    assert "train.epochs or" not in said


def test_the_lead_shares_the_memory_refusals_words():
    """Too large and too slow: both lines lead with the model, in one wording."""
    with pytest.raises(ConfigError) as refused:
        check_budget(**DIGITS, num_params=TOO_SLOW, memory_bytes=10**9)
    memory, time = str(refused.value).splitlines()
    lead = f"model ({TOO_SLOW} parameters per model): even 2 models trained "
    assert memory.startswith(lead + "one at a time need "), memory
    assert time.startswith(lead + "for 1 epoch would take about "), time


@pytest.mark.parametrize("sizes", [
    {"num_params": TOO_SLOW // 100},  # 2 models for 1 epoch fit: fewer models or epochs help
    {"num_params": 9610, "epochs": 10**30},  # the epochs drive it
])  # fmt: skip
def test_a_model_that_fits_at_the_fewest_keeps_the_plan_advice(sizes):
    said = _time_refusal(**sizes)
    assert said.startswith(f"plan.num_models=16, train.epochs={sizes.get('epochs', 30)}: "
                           "training would take about "), said
    assert "train.epochs or plan.population_size" in said, said  # (fewer epochs help)
    assert "model (" not in said


def test_the_model_leads_where_the_augmented_queries_are_most_of_the_time():
    """2 models, 1 epoch: the 8 augmented queries a record are most of the time (they grow
    with the model too); they led ('lower attack.queries.num_augmented'), though 0 would not
    do."""
    said = _time_refusal(num_params=TOO_SLOW, num_models=2, epochs=1)
    assert said.startswith(f"model ({TOO_SLOW} parameters per model): "), said
    assert "lower attack.queries.num_augmented" not in said
    assert said.endswith(f"{TOO_SLOW} parameters per model)"), said
