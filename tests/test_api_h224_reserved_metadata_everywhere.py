"""The metadata keys observe_models writes of its own averaged queries
(``randomized_release_repeats``, ``train_accuracy_one_answer``) were refused by
observations_from_arrays only (983fc21): ``Observations(..., metadata={...})`` (or
dataclasses.replace) took them from a caller, and api.audit recorded train accuracy 0.9
and a query budget of 8 whatever the outputs said, skipping the mask check's comparison
with the test set. The constructor now refuses them in a caller's mapping in the same
words; a file's metadata (load, mia-attack) and observe_models' own record keep them, as
before, but a file's values must be what observe_models writes."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from mia_defense import api
from mia_defense.errors import ConfigError, DataError
from mia_defense.observations import RESERVED_METADATA, Observations
from tests.helpers import mia_attack

K, N, M, C = 4, 60, 20, 3
FORGED = {"randomized_release_repeats": 8, "train_accuracy_one_answer": 0.9}


@pytest.fixture
def obs() -> Observations:
    rng = np.random.default_rng(0)
    masks = np.zeros((K, N), bool)
    masks[:2, ::2] = masks[2:, 1::2] = True
    return api.observations_from_arrays(
        rng.normal(size=(K, N, C)), masks, rng.integers(0, C, N), kind="logits",
        test_outputs=rng.normal(size=(K, M, C)), test_labels=rng.integers(0, C, M),
    )  # fmt: skip


def test_the_api_names_the_same_keys() -> None:
    assert (api.AVERAGED_REPEATS, api.ONE_ANSWER_TRAIN_ACCURACY) == RESERVED_METADATA


@pytest.mark.parametrize("key", RESERVED_METADATA)
def test_the_constructor_refuses_them_in_the_words_of_observations_from_arrays(obs, key):
    with pytest.raises(ConfigError) as built:
        Observations(obs.log_probs, obs.labels, obs.masks, test_log_probs=obs.test_log_probs,
                     test_labels=obs.test_labels, metadata={"dataset": "x", key: FORGED[key]})
    with pytest.raises(ConfigError) as replaced:
        dataclasses.replace(obs, metadata={key: FORGED[key]})
    with pytest.raises(ConfigError) as arrays:
        api.observations_from_arrays(obs.log_probs, obs.masks, obs.labels,
                                     metadata={key: FORGED[key]})  # fmt: skip
    said = str(built.value)
    assert said.startswith(f"Observations: metadata: '{key}' is reserved: observe_models")
    assert said.removeprefix("Observations: ") == str(replaced.value).removeprefix(
        "Observations: ") == str(arrays.value).removeprefix("observations_from_arrays: ")


def _hand_written(obs: Observations, path, metadata: dict) -> None:
    np.savez(path, log_probs=obs.log_probs, masks=obs.masks, labels=obs.labels,
             test_log_probs=obs.test_log_probs, test_labels=obs.test_labels,
             metadata=np.array(json.dumps(metadata)), schema_version=np.array(2))  # fmt: skip


def test_a_file_keeps_them_and_they_survive_replace_and_save(obs, tmp_path) -> None:
    _hand_written(obs, tmp_path / "o.npz", {"dataset": "x", **FORGED})
    loaded = Observations.load(tmp_path / "o.npz")
    assert loaded.metadata == {"dataset": "x", **FORGED}
    taken = loaded.take([0, 1, 2, 3])  # (replace keeps the file's record)
    taken.save(tmp_path / "again.npz")
    assert Observations.load(tmp_path / "again.npz").metadata == loaded.metadata
    assert api.released_utility(loaded)["train_accuracy"] == 0.9  # as documented
    with pytest.raises(ConfigError, match="observations_from_arrays: metadata: "
                       "'randomized_release_repeats' is reserved"):  # not of other outputs
        api.observations_from_arrays(obs.log_probs, obs.masks, obs.labels,
                                     metadata=loaded.metadata)  # fmt: skip


@pytest.mark.parametrize(("facts", "message"), [
    ({"randomized_release_repeats": 1}, r"metadata: randomized_release_repeats=1: "),
    ({"randomized_release_repeats": True}, r"metadata: randomized_release_repeats=True: "),
    ({"randomized_release_repeats": "8"}, r"metadata: randomized_release_repeats='8': "),
    ({"randomized_release_repeats": 8, "train_accuracy_one_answer": 1.5},
     r"metadata: train_accuracy_one_answer=1\.5: "),
    ({"train_accuracy_one_answer": 0.9}, r"metadata: train_accuracy_one_answer=0\.9: .* "
                                         r"beside randomized_release_repeats"),
])  # fmt: skip
def test_a_file_whose_values_observe_models_never_writes_is_refused(obs, tmp_path, facts,
                                                                    message) -> None:
    _hand_written(obs, tmp_path / "o.npz", facts)
    with pytest.raises(DataError, match=message):
        Observations.load(tmp_path / "o.npz")
    done = mia_attack(str(tmp_path / "o.npz"), f"hydra.run.dir={tmp_path / 'out'}",
                      "attack.bootstrap=0", "figures=false", "progress=false", cwd=tmp_path)
    assert done.returncode != 0 and "randomized_release_repeats" in done.stderr
    assert not (tmp_path / "out" / "results.json").exists()
