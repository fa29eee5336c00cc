"""The budget check counted of the augmented queries only what the observations keep (a
float32 logit and a uint8 label per model, copy and record), not the augmented attacks'
working copies of them: mia-train plan.num_models=2 train.epochs=1 plan.reference_size=300
attack.queries.num_augmented=1000000 (digits) passed it with 10 GB counted on a machine of
22.5 GB, queried for hours, and its augmented LiRA would need some 60 GB more. The estimate
now counts LiRA's working copies (the largest); checked here against the peak that LiRA's
augmented attack measures under tracemalloc."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from mia_defense.attacks.lira import lira
from mia_defense.budget import check_budget, estimate
from mia_defense.errors import ConfigError
from mia_defense.observations import Observations

RUN = dict(population_size=500, test_size=100, num_classes=10, num_params=1000, epochs=1,
           batch_size=64)  # fmt: skip


def _augmented_peak(k: int, a: int, n: int, c: int, *, online: bool) -> int:
    """Bytes LiRA's augmented attack peaks at, with the augmented observations it reads."""
    rng = np.random.default_rng(0)
    log_probs = np.log(rng.dirichlet(np.ones(c), size=(k, n)).astype(np.float32))
    labels = rng.integers(0, c, n)
    masks = rng.random((k, n)) < 0.5
    obs = Observations(
        log_probs, labels, masks,
        augmented_logits=rng.normal(size=(k, a, n)).astype(np.float32),
        augmented_predictions=rng.integers(0, c, (k, a, n)).astype(np.uint8),
    )  # fmt: skip
    kept = obs.augmented_logits.nbytes + obs.augmented_predictions.nbytes
    tracemalloc.start()
    try:
        lira(obs, np.arange(2), online=online, augmented=True)
        return kept + tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("k", [2, 6])
@pytest.mark.parametrize("online", [True, False])
def test_the_estimate_counts_what_the_augmented_attack_holds(k, online):
    a, n = 200, RUN["population_size"]
    peak = _augmented_peak(k, a, n, RUN["num_classes"], online=online)
    counted = (estimate(num_models=k, num_augmented=a, **RUN).observations
               - estimate(num_models=k, num_augmented=0, **RUN).observations)  # fmt: skip
    assert counted >= peak


def test_the_budget_check_refuses_augmented_queries_the_attacks_cannot_hold():
    k, a = 2, 100_000
    kept = 5 * k * a * RUN["population_size"]  # (what the queries keep, float32 + uint8)
    memory = estimate(num_models=k, num_augmented=0, **RUN).memory + 2 * kept
    with pytest.raises(ConfigError) as refused:
        check_budget(num_models=k, num_augmented=a, memory_bytes=memory, **RUN)
    said = str(refused.value)
    assert said.startswith(f"attack.queries.num_augmented={a}, plan.num_models={k}: ")
    assert "\n" not in said
