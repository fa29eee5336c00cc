"""The per-sample signals (pure numpy, attacks.signals' __all__) read a label -1 as the last
class (a silently wrong loss, confidence or logit), and a label past the classes, float
labels or labels of another length were numpy's IndexError or broadcasting errors from
inside. Refused naming the signal and the labels."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.attacks.signals import (
    confidence,
    negative_modified_entropy,
    query_signals,
    true_class_log_prob,
    true_class_logit,
)
from mia_defense.errors import DataError

LOG_PROBS = np.log(np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]]))
SIGNALS = [true_class_log_prob, confidence, negative_modified_entropy, true_class_logit]


@pytest.mark.parametrize("signal", SIGNALS)
@pytest.mark.parametrize("labels, said", [
    (np.array([0, -1]), r"labels hold -1, not a class of log_probs' 3 \(an index in \[0, 3\)\)"),
    (np.array([0, 3]), r"labels hold 3, not a class of log_probs' 3"),
    (np.array([0.0, 1.0]), r"labels of dtype float64 and shape \(2,\); give \[N\] = \[2\]"),
    (np.array([0]), r"labels of dtype int64 and shape \(1,\); give \[N\] = \[2\]"),
])
def test_labels_that_are_no_classes_of_the_rows_are_refused(signal, labels, said):
    with pytest.raises(DataError, match=rf"\w+: {said}"):
        signal(LOG_PROBS, labels)


def test_valid_labels_read_the_true_class_of_every_row():
    labels = [0, 2]
    assert np.allclose(true_class_log_prob(LOG_PROBS, labels), np.log([0.7, 0.6]))
    assert np.allclose(confidence(LOG_PROBS, np.array(labels, np.uint8)), [0.7, 0.6])
    logits, predictions = query_signals(LOG_PROBS[None], np.array(labels))
    assert np.allclose(logits, [[np.log(0.7 / 0.3), np.log(0.6 / 0.4)]])
    assert predictions.tolist() == [[0, 2]]
