"""The memory refusal led with ``plan.num_models=4:`` where attack.queries.num_augmented=10**30
sized all of the memory: the key to lower was named last, as one of three. It now leads
with the augmented queries where they are most of the memory (helper h235)."""

from __future__ import annotations

import pytest

from mia_defense.budget import check_budget
from mia_defense.cli.build import build_experiment
from mia_defense.errors import ConfigError
from mia_defense.pipeline.data import prepare_data

HUGE = 10**30
SIZES = dict(num_models=4, population_size=1000, test_size=797, num_classes=10,
             num_params=9610, num_augmented=8, epochs=1, batch_size=64,
             memory_bytes=10**9)  # fmt: skip


def _memory_refusal(**sizes: int) -> str:
    with pytest.raises(ConfigError) as refused:
        check_budget(**{**SIZES, **sizes})
    return str(refused.value).splitlines()[0]


def test_huge_augmented_queries_lead_the_memory_refusal():
    said = _memory_refusal(num_augmented=HUGE)
    assert said.startswith(f"attack.queries.num_augmented={HUGE}, plan.num_models=4: the run "
                           "needs about ")  # fmt: skip
    assert said.endswith("lower plan.num_models, plan.population_size or "
                         "attack.queries.num_augmented")  # fmt: skip


@pytest.mark.parametrize(("sizes", "lead"), [
    # the models' own outputs: 8 queries are a third of them
    ({"num_models": 10**6}, "plan.num_models=1000000: the run needs about "),
    # the weights and optimizer state, too many for even 2 models one at a time: the model's
    # size leads (h450: plan.num_models led, the smaller model came last)
    ({"num_params": 10**8}, "model (100000000 parameters per model): even 2 models "),
])  # fmt: skip
def test_other_causes_still_lead_with_the_models(sizes, lead):
    assert _memory_refusal(**sizes).startswith(lead)


def test_a_run_is_refused_by_its_augmented_queries(make_cfg):
    cfg = make_cfg("plan.num_models=4", f"attack.queries.num_augmented={HUGE}")
    with pytest.raises(ConfigError, match=rf"^attack\.queries\.num_augmented={HUGE}, "
                                          r"plan\.num_models=4: the run needs about "):
        prepare_data(build_experiment(cfg))
