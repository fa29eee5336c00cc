"""shokri.attack_features (in the module's __all__) called directly with labels as a list
or log-probabilities as text: a DataError naming it, not numpy's raw TypeError."""

import numpy as np
import pytest

from mia_defense.attacks.shokri import attack_features
from mia_defense.errors import DataError

LOG_PROBS = np.log(np.array([[0.7, 0.3], [0.2, 0.8], [0.5, 0.5]]))


def test_labels_as_a_list_give_the_features_of_the_array():
    # hand computation: sorted probabilities, log p_y, one-hot label
    assert np.allclose(attack_features(LOG_PROBS, [0, 1, 0]), [
        [0.7, 0.3, np.log(0.7), 1, 0], [0.8, 0.2, np.log(0.8), 0, 1],
        [0.5, 0.5, np.log(0.5), 1, 0]])  # fmt: skip


@pytest.mark.parametrize("labels", [[0, -1, 0], [0, 1.0, 0], [0, 1]])
def test_bad_labels_are_refused_naming_attack_features(labels):
    with pytest.raises(DataError, match="attack_features: labels"):
        attack_features(LOG_PROBS, labels)


def test_text_log_probs_are_refused():
    with pytest.raises(DataError, match="attack_features: log_probs"):
        attack_features(LOG_PROBS.astype(str), np.array([0, 1, 0]))
