import numpy as np
import pytest

from mia_defense.data import load_digits
from mia_defense.errors import ConfigError
from mia_defense.plan import make_plan


@pytest.fixture(scope="module")
def digits():
    return load_digits()


def test_masks_are_balanced_per_sample(digits):
    plan = make_plan(digits, num_models=8, population_size=600, test_size=300, seed=1)
    assert plan.masks.shape == (8, 600)
    assert plan.masks.dtype == bool
    np.testing.assert_array_equal(plan.masks.sum(axis=0), 4)
    # every model trains on roughly half the population
    assert np.all(np.abs(plan.masks.sum(axis=1) - 300) < 60)


def test_splits_are_disjoint(digits):
    plan = make_plan(
        digits, num_models=4, population_size=800, test_size=500, reference_size=200, seed=0
    )
    sets = [set(plan.population_idx), set(plan.test_idx), set(plan.reference_idx)]
    assert [len(s) for s in sets] == [800, 500, 200]
    assert not (sets[0] & sets[1]) and not (sets[0] & sets[2]) and not (sets[1] & sets[2])


def test_same_seed_same_plan_different_seed_different_plan(digits):
    a = make_plan(digits, num_models=16, population_size=1000, test_size=None, seed=3)
    b = make_plan(digits, num_models=16, population_size=1000, test_size=None, seed=3)
    c = make_plan(digits, num_models=16, population_size=1000, test_size=None, seed=4)
    assert a.masks.tobytes() == b.masks.tobytes()
    np.testing.assert_array_equal(a.population_idx, b.population_idx)
    assert not np.array_equal(a.masks, c.masks)
    assert not np.array_equal(a.population_idx, c.population_idx)


@pytest.mark.parametrize("k", [0, 1, 3, 15])
def test_odd_or_tiny_k_is_refused(digits, k):
    with pytest.raises(ConfigError, match=rf"plan.num_models={k}: must be an even number"):
        make_plan(digits, num_models=k, population_size=100, test_size=100, seed=0)


def test_sizes_larger_than_dataset_are_refused(digits):
    with pytest.raises(ConfigError, match=r"plan\.population_size=1700.*1797 samples"):
        make_plan(digits, num_models=4, population_size=1700, test_size=200, seed=0)


@pytest.mark.parametrize(
    ("sizes", "message"),
    [
        (dict(reference_size=100_000), r"plan.reference_size=100000: leaves 0 of the 1797 "
                                       r"samples in dataset 'digits' for the population and "
                                       r"the test set \(they need at least 3\); lower it"),
        (dict(population_size=5000), r"plan.population_size=5000, plan.test_size=-3203 \(what "
                                     r"is left\), plan.reference_size=0: too few samples"),
        (dict(test_size=1797), r"plan.population_size=0 \(what is left\), plan.test_size=1797"),
    ],
)
def test_a_plan_too_large_names_what_the_user_set_apart_from_what_is_left(digits, sizes,
                                                                           message):
    with pytest.raises(ConfigError, match=rf"^{message}"):
        make_plan(digits, num_models=4, **{"population_size": None, "test_size": None, **sizes},
                  seed=0)
