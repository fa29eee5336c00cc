"""Models that fit fewer at a time but not in the run's chunk (train.chunk_size=8 on a large
model): the refusal told only to lower plan.num_models, plan.population_size or
attack.queries.num_augmented; it now names the widest train.chunk_size that fits, by the
estimate itself, and none where even one at a time does not fit."""

import pytest

from mia_defense.budget import check_budget
from mia_defense.errors import ConfigError

SIZES = dict(num_models=8, population_size=1000, test_size=500, num_classes=10,
             num_params=10_000_000, num_augmented=0, epochs=1, batch_size=64)  # fmt: skip


@pytest.mark.parametrize(("memory", "advice"), [
    (10**9, "set train.chunk_size=4 (fewer models trained at once: the run then needs about "
            "961 MB), or lower plan.num_models"),  # (1.6 GB at 8, 961 MB at 4, 1.12 GB at 5)
    (5 * 10**8, "available; lower plan.num_models"),  # (641 MB one at a time)
])  # fmt: skip
def test_a_smaller_chunk_is_advised_where_it_fits(memory, advice):
    with pytest.raises(ConfigError, match=r"plan\.num_models=8: the run needs about") as caught:
        check_budget(**SIZES, chunk_size=8, memory_bytes=memory)
    assert advice in str(caught.value)
