"""A plan larger than the user's data was refused naming no key to change: 'plan.population_size
=100, plan.test_size=-70 (what is left), ...: too few samples for the plan; ... lower the plan
sizes or use more data', beside a test size no one set (h400). The refusal now names the key
given and the most it can be."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.data import load_npz
from mia_defense.errors import ConfigError
from mia_defense.plan import make_plan


@pytest.fixture
def thirty(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "d.npz"
    np.savez(path, x=rng.normal(size=(30, 3)), y=np.arange(30) % 2)
    return load_npz(path=path)


@pytest.mark.parametrize(("sizes", "fix"), [
    ({"population_size": 100}, "lower plan.population_size to at most 29, or use more data"),
    ({"test_size": 40}, "lower plan.test_size to at most 28, or use more data"),
    ({"population_size": 20, "test_size": 20},
     "lower plan.population_size or plan.test_size: together at most 30, or use more data"),
    ({"population_size": 25, "reference_size": 10},
     "lower plan.population_size to at most 19 (or plan.reference_size, which keeps 10 "
     "apart), or use more data"),
    ({"population_size": 1}, "set plan.population_size to at least 2"),
])  # fmt: skip
def test_the_refusal_names_the_key_to_change(thirty, sizes, fix):
    settings = {"population_size": None, "test_size": None, "reference_size": 0, **sizes}
    with pytest.raises(ConfigError) as refused:
        make_plan(thirty, num_models=2, seed=0, **settings)
    message = str(refused.value)
    assert "too few samples for the plan" in message and message.endswith(fix), message


@pytest.mark.parametrize("sizes", [{"population_size": 29}, {"test_size": 28},
                                   {"population_size": 15, "test_size": 15},
                                   {"population_size": 19, "reference_size": 10}])
def test_the_most_it_names_fits(thirty, sizes):
    settings = {"population_size": None, "test_size": None, "reference_size": 0, **sizes}
    make_plan(thirty, num_models=2, seed=0, say=False, **settings)
