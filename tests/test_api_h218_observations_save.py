"""Observations(...).save, as README advises for observations of one's own code: an extra
array named as a field of the format replaced that field in the file without a word, and
what cannot be written (a path that is none, numpy numbers in the metadata, metadata too
deep to read back, object arrays, tensors that require grad) and fields that are no arrays
were raw errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mia_defense import api
from mia_defense.errors import ConfigError, DataError
from mia_defense.observations import Observations

K, N, C = 4, 20, 3


@pytest.fixture
def obs() -> Observations:
    rng = np.random.default_rng(0)
    masks = np.zeros((K, N), bool)
    masks[:2, ::2] = masks[2:, 1::2] = True
    return api.observations_from_arrays(rng.normal(size=(K, N, C)), masks,
                                        rng.integers(0, C, N), kind="logits")  # fmt: skip


def test_an_extra_named_as_a_field_is_refused_not_written_over_it(obs, tmp_path) -> None:
    """Before: save(path, masks=other) wrote the other masks, and the file loaded."""
    other = ~obs.masks
    with pytest.raises(ConfigError, match=r"Observations\.save: extra array 'masks': names a "
                       r"field of the observations file format"):  # fmt: skip
        obs.save(tmp_path / "o.npz", masks=other)
    assert not (tmp_path / "o.npz").exists()
    with pytest.raises(ConfigError, match="extra array 'schema_version'"):
        obs.saved_sha256(schema_version=np.array(1))
    obs.save(tmp_path / "o.npz", is_canary=np.zeros(N, bool))  # extras of other names
    np.testing.assert_array_equal(api.load_observations(tmp_path / "o.npz").masks, obs.masks)


@pytest.mark.parametrize("path", [None, 3])
def test_a_path_that_is_none(obs, path) -> None:
    with pytest.raises(ConfigError, match=rf"Observations\.save: path={path}: give the path"):
        obs.save(path)


def test_numpy_values_in_the_metadata_are_saved_as_numbers(obs, tmp_path) -> None:
    facts = {"epochs": np.int64(3), "lr": np.float32(0.5), "sizes": np.arange(2)}
    Observations(obs.log_probs, obs.labels, obs.masks, metadata=facts).save(tmp_path / "o.npz")
    loaded = api.load_observations(tmp_path / "o.npz")
    assert loaded.metadata == {"epochs": 3, "lr": 0.5, "sizes": [0, 1]}


def test_metadata_that_cannot_be_saved_or_read_back(obs, tmp_path) -> None:
    with pytest.raises(DataError, match="Observations: metadata: cannot be saved as a JSON"):
        Observations(obs.log_probs, obs.labels, obs.masks,
                     metadata={"model": object()}).save(tmp_path / "a.npz")  # fmt: skip
    deep: dict = {}
    for _ in range(150):
        deep = {"a": deep}
    with pytest.raises(DataError, match="Observations: metadata: nested 151 levels deep"):
        Observations(obs.log_probs, obs.labels, obs.masks, metadata=deep).save(
            tmp_path / "b.npz")  # fmt: skip
    assert not list(tmp_path.iterdir())


def test_arrays_the_format_cannot_hold_are_named(obs, tmp_path) -> None:
    with pytest.raises(DataError, match=r"Observations.save: notes: dtype object"):
        obs.save(tmp_path / "o.npz", notes=np.array([None, "x"], dtype=object))
    grad = Observations(torch.tensor(obs.log_probs, requires_grad=True), obs.labels, obs.masks)
    with pytest.raises(DataError, match=r"Observations\.save: log_probs: not an array numpy "
                       r"can write"):  # fmt: skip
        grad.save(tmp_path / "o.npz")
    assert not list(tmp_path.iterdir())


def test_fields_that_are_no_arrays_are_named(obs) -> None:
    with pytest.raises(DataError, match=r"Observations: log_probs is a list, not an array"):
        Observations(obs.log_probs.tolist(), obs.labels, obs.masks)
    with pytest.raises(DataError, match=r"Observations: log_probs has shape \(20, 3\), "
                       r"expected \[K, N, C\]"):  # fmt: skip
        Observations(obs.log_probs[0], obs.labels, obs.masks)
    with pytest.raises(ValueError, match=r"Observations: masks is None, not an array"):
        Observations(obs.log_probs, obs.labels, None)


def test_metadata_none_reads_as_none_given_and_a_list_is_named(obs) -> None:
    """metadata=None, or a list, passed the constructor and was a raw AttributeError ('get')
    in api.audit and api.released_utility."""
    none = Observations(obs.log_probs, obs.labels, obs.masks, metadata=None)
    assert none.metadata == {}
    assert api.released_utility(none)["train_accuracy"] == api.released_utility(obs)[
        "train_accuracy"]  # fmt: skip
    with pytest.raises(DataError, match="Observations: metadata is a list, not a mapping"):
        Observations(obs.log_probs, obs.labels, obs.masks, metadata=[("dataset", "digits")])


@pytest.mark.parametrize("name", ["grad_norms", "test_log_probs", "test_labels",
                                  "augmented_logits"])  # fmt: skip
def test_optional_fields_that_are_no_arrays_are_named(obs, name) -> None:
    """A list as grad_norms (or the test set's, or the augmented queries') was a raw
    AttributeError ('list' object has no attribute 'shape' / 'ndim')."""
    with pytest.raises(DataError, match=rf"Observations: {name} is a list, not an array"):
        Observations(obs.log_probs, obs.labels, obs.masks, **{name: [[0.0]]})
