"""observations_from_arrays refuses the metadata keys observe_models writes of its own
queries: a caller's ``randomized_release_repeats`` and ``train_accuracy_one_answer`` set
results.json's train accuracy and query budget and skipped the mask check's comparison
with the test set."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense import api
from mia_defense.errors import ConfigError

K, N, M, C = 4, 60, 20, 3


def _arrays():
    rng = np.random.default_rng(0)
    masks = np.zeros((K, N), bool)
    masks[:2, ::2] = masks[2:, 1::2] = True
    return (rng.normal(size=(K, N, C)), masks, rng.integers(0, C, N),
            rng.normal(size=(K, M, C)), rng.integers(0, C, M))  # fmt: skip


@pytest.mark.parametrize("key", ["randomized_release_repeats", "train_accuracy_one_answer"])
def test_a_reserved_metadata_key_is_refused_by_name(key: str) -> None:
    outputs, masks, labels, test, test_labels = _arrays()
    with pytest.raises(ConfigError, match=rf"metadata: '{key}' is reserved: observe_models"):
        api.observations_from_arrays(outputs, masks, labels, kind="logits",
                                     test_outputs=test, test_labels=test_labels,
                                     metadata={"dataset": "mine", key: 8})  # fmt: skip


def test_other_metadata_is_kept() -> None:
    outputs, masks, labels, _, _ = _arrays()
    obs = api.observations_from_arrays(outputs, masks, labels, kind="logits",
                                       metadata={"dataset": "mine", "repeats": 8})
    assert obs.metadata == {"dataset": "mine", "repeats": 8}
    assert api.released_utility(obs)["train_accuracy"] < 0.9
