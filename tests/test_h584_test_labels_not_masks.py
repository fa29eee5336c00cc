"""api.audit on observations whose test_labels do not belong to the test outputs (shuffled,
another split's): the OUT records fit the models better than such a test set, and the audit
warned 'MASKS SUSPECT: ... masks[k] do not look like model k's training records ... Check
that outputs[k] come from the model trained on masks[k]' of the right masks, never naming
the test labels, though the test accuracy sat at chance while the records OUT of every model
were classified well (h584 red-team). The reason names the test set's labels as a cause."""

from __future__ import annotations

import logging

import numpy as np

from mia_defense import api

_K, _N, _M = 4, 400, 400


def _outputs(rng: np.random.Generator, labels: np.ndarray, right: np.ndarray) -> np.ndarray:
    """[N, 2] probabilities putting ``right`` (per record) on the record's label."""
    p = np.where(labels == 1, right, 1 - right)
    return np.stack([1 - p, p], axis=-1)


def _observations(test_labels_shuffled: bool):
    rng = np.random.default_rng(0)
    labels, test_labels = rng.integers(0, 2, _N), rng.integers(0, 2, _M)
    masks = np.stack([rng.permutation(_K) < _K // 2 for _ in range(_N)], axis=1)  # (K/2 each)
    outputs = np.stack([
        _outputs(rng, labels, np.where(m, rng.uniform(0.8, 0.99, _N), rng.uniform(0.55, 0.95, _N)))
        for m in masks])  # fmt: skip
    test = np.stack([_outputs(rng, test_labels, rng.uniform(0.55, 0.95, _M)) for _ in masks])
    given = rng.permutation(test_labels) if test_labels_shuffled else test_labels
    return api.observations_from_arrays(outputs, masks, labels, kind="probabilities",
                                        test_outputs=test, test_labels=given)


def test_shuffled_test_labels_are_named_as_a_cause(caplog):
    with caplog.at_level(logging.WARNING):
        audit = api.audit(_observations(True), overrides=["attack.bootstrap=0"])
    reason = audit.result.privacy["masks_suspect"]
    assert reason is not None and "test_labels" in reason
    assert "test accuracy" in reason


def test_right_test_labels_say_nothing_of_them():
    audit = api.audit(_observations(False), overrides=["attack.bootstrap=0"])
    assert audit.result.privacy["masks_suspect"] is None
