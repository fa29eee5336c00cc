"""references.ranked_within_strata (in the module's __all__) called directly: scores as a
list were a raw AttributeError, [T, N] scores numpy's IndexError, scores of another length
a broadcasting error and an int seed for rng an AttributeError."""

import numpy as np
import pytest

from mia_defense.attacks.references import ranked_within_strata
from mia_defense.errors import ConfigError, DataError

# records 0 and 1 keep one IN and one OUT reference, records 2 and 3 one OUT only: two strata
IN = np.array([[1.0, 1.0, 0.0, 0.0]])
OUT = np.array([[1.0, 1.0, 1.0, 1.0]])


def test_ranks_within_each_stratum_by_hand():
    # score order within each stratum: record 0 below 1 (ranks 1, 2 of 2), record 3 below 2
    ranked = ranked_within_strata([0.0, 1.0, 3.0, 2.0], IN, OUT, np.random.default_rng(0))
    low, high = (ranked > 0) & (ranked < 0.5), (ranked > 0.5) & (ranked < 1)
    assert low.tolist() == [True, False, False, True]
    assert high.tolist() == [False, True, True, False]
    again = ranked_within_strata(np.array([0.0, 1.0, 3.0, 2.0]), IN, OUT, np.random.default_rng(0))
    assert np.array_equal(ranked, again)


@pytest.mark.parametrize("scores", [np.ones((2, 4)), np.ones(3)])
def test_scores_of_other_shapes_are_refused(scores):
    with pytest.raises(DataError, match="ranked_within_strata: scores of shape"):
        ranked_within_strata(scores, IN, OUT, np.random.default_rng(0))


def test_weights_of_other_shapes_are_refused():
    with pytest.raises(DataError, match="ranked_within_strata: scores of shape"):
        ranked_within_strata(np.ones(4), IN, OUT[:, :3], np.random.default_rng(0))


def test_text_scores_are_refused():
    with pytest.raises(DataError, match="ranked_within_strata: scores"):
        ranked_within_strata(np.array(["a", "b", "c", "d"]), IN, OUT, np.random.default_rng(0))


def test_a_seed_for_rng_is_refused():
    with pytest.raises(ConfigError, match="ranked_within_strata: rng=0"):
        ranked_within_strata(np.ones(4), IN, OUT, 0)
