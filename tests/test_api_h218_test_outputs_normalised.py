"""observations_from_arrays (and Observations.load) hold the test set's outputs to the
population's rule: outputs that are no distribution (log-probabilities shifted down by 1,
probabilities halved, every class below -745) passed for the test set alone, and their
inflated test loss flagged the right masks MASKS SUSPECT."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense import api
from mia_defense.errors import DataError

K, N, M, C = 4, 40, 20, 3


def _setup():
    rng = np.random.default_rng(0)
    masks = np.zeros((K, N), bool)
    masks[:2, ::2] = masks[2:, 1::2] = True

    def log_softmax(logits: np.ndarray) -> np.ndarray:
        shifted = logits - logits.max(-1, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))

    return (log_softmax(rng.normal(size=(K, N, C))), masks, rng.integers(0, C, N),
            log_softmax(rng.normal(size=(K, M, C))), rng.integers(0, C, M))  # fmt: skip


@pytest.mark.parametrize(("kind", "change", "said"), [
    ("log_probabilities", lambda t: t - 1.0, r"sum to 0\.3679 \(and 19 more\) with every class"),
    ("log_probabilities", lambda t: np.full_like(t, -800.0), r"every class has probability 0"),
    ("probabilities", lambda t: np.exp(t) * 0.5, r"sum to 0\.5 \(and 19 more\) with every class"),
])  # fmt: skip
def test_test_outputs_that_are_no_distribution(kind, change, said) -> None:
    log_probs, masks, labels, test, test_labels = _setup()
    outputs = np.exp(log_probs) if kind == "probabilities" else log_probs
    with pytest.raises(DataError, match=rf"observations_from_arrays: test_outputs: .*{said}"):
        api.observations_from_arrays(outputs, masks, labels, kind=kind,
                                     test_outputs=change(test), test_labels=test_labels)


def test_test_outputs_of_a_distribution_pass() -> None:
    log_probs, masks, labels, test, test_labels = _setup()
    obs = api.observations_from_arrays(log_probs, masks, labels, test_outputs=test,
                                       test_labels=test_labels)  # fmt: skip
    assert obs.test_log_probs.shape == (K, M, C)
