"""Under attack.shadow_recipe=undefended (with a defense) mia-train's peak before training
(`budget.estimate`, of the 2K models: the K targets and the K undefended shadows) counted
the logits beside a release (`Estimate.observations`: one float32 [K, max(N, T), C] while
the largest query is released) of all 2K models at once, though the targets are released
(population, then test set: `experiment.release_population`, `release_test`) before the
shadows train, and the shadows on the population alone (`pipeline.train.
attacks_for_recipe`): 4 bytes a [K, max(N, T), C] cell too many. The peak now counts the
K released at once (helper h524). Nothing large is allocated."""

from __future__ import annotations

import pytest

from mia_defense import budget

K, C = 3, 7


def _peak(num_models: int, population: int, test_size: int, shadows: int) -> int:
    return budget.estimate(num_models=num_models, population_size=population,
                           test_size=test_size, num_classes=C, num_params=100,
                           num_augmented=0, epochs=1, batch_size=32, augmented_attack=False,
                           shadow_models=shadows).observations  # fmt: skip


@pytest.mark.parametrize(("population", "test_size"), [(500, 40), (40, 500)],
                         ids=["population_larger", "test_set_larger"])  # fmt: skip
def test_the_shadows_add_their_own_outputs_and_labels(population, test_size):
    undefended = _peak(2 * K, population, test_size, shadows=K)
    targets = _peak(K, population, test_size, shadows=0)
    # the shadows' float32 outputs [K, N, C] and their labels' int64 copy [N]: nothing beside
    # a release more (theirs is on the population, after the targets')
    assert undefended - targets == 4 * K * population * C + 8 * population
