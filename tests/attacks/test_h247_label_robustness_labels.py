"""label_only.label_robustness (in the module's __all__) on Observations built in Python
with a label outside the classes: -1 or 5 matched no prediction, robustness 0 (a record
scored as a non-member), silently."""

import numpy as np
import pytest

from mia_defense.attacks.label_only import label_robustness
from mia_defense.errors import DataError
from mia_defense.observations import Observations

# model 0 predicts classes 0, 1, 2, 0; model 1 predicts 1, 1, 2, 2
PROBS = np.array([[[0.6, 0.3, 0.1], [0.2, 0.7, 0.1], [0.1, 0.2, 0.7], [0.5, 0.4, 0.1]],
                  [[0.3, 0.6, 0.1], [0.2, 0.7, 0.1], [0.1, 0.2, 0.7], [0.1, 0.4, 0.5]]])
MASKS = np.array([[1, 0, 1, 0], [0, 1, 0, 1]], bool)


def _obs(labels):
    return Observations(log_probs=np.log(PROBS), masks=MASKS, labels=np.array(labels))


def test_robustness_by_hand():
    # labels 0, 1, 2, 0: model 0 right on all four, model 1 on records 1 and 2
    assert label_robustness(_obs([0, 1, 2, 0])).tolist() == [[1, 1, 1, 1], [0, 1, 1, 0]]


@pytest.mark.parametrize("labels", [[0, 1, 2, -1], [0, 1, 2, 5]])
def test_labels_outside_the_classes_are_refused(labels):
    with pytest.raises(DataError, match="label_robustness: labels hold"):
        label_robustness(_obs(labels))
