"""Observations.save refuses what Observations.load refuses, in the same words (one check,
`observation_problems`): Observations(...) built directly with NaN outputs, masks never OUT,
labels beyond C or K=1 were written without a word and then refused by their own reader;
copy_groups that api.load_observations refuses were written too. Metadata NaN was written
as ``NaN``, which no strict JSON reader takes; it is null now, as observations_from_arrays
writes it."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mia_defense import api
from mia_defense.errors import DataError
from mia_defense.observations import Observations

K, N, C = 4, 20, 3


@pytest.fixture
def obs() -> Observations:
    rng = np.random.default_rng(0)
    masks = np.zeros((K, N), bool)
    masks[:2, ::2] = masks[2:, 1::2] = True
    return api.observations_from_arrays(rng.normal(size=(K, N, C)), masks,
                                        rng.integers(0, C, N), kind="logits")  # fmt: skip


def _broken(obs: Observations) -> dict[str, Observations]:
    nan = obs.log_probs.copy()
    nan[1, 2, 0] = np.nan
    return {
        "NaN": Observations(nan, obs.labels, obs.masks),
        "never OUT": Observations(obs.log_probs, obs.labels, np.ones((K, N), bool)),
        "label": Observations(obs.log_probs, obs.labels + C, obs.masks),
        "K=1": Observations(obs.log_probs[:1], obs.labels, obs.masks[:1]),
        "float labels": Observations(obs.log_probs, obs.labels.astype(float), obs.masks),
    }


@pytest.mark.parametrize("case", ["NaN", "never OUT", "label", "K=1", "float labels"])
def test_save_refuses_what_load_refuses_in_its_words(obs, tmp_path, case) -> None:
    broken = _broken(obs)[case]
    path = tmp_path / "o.npz"
    with pytest.raises(DataError) as saved:
        broken.save(path)
    assert not path.exists()
    np.savez(path, log_probs=broken.log_probs, masks=broken.masks, labels=broken.labels,
             schema_version=np.array(2))  # fmt: skip
    with pytest.raises(DataError) as loaded:
        Observations.load(path)
    said = str(saved.value)
    assert said.startswith(f"Observations.save: {path}: ")
    assert said.removeprefix("Observations.save: ") == str(loaded.value)


def test_canaries_among_the_extras_are_read_as_load_reads_them(obs, tmp_path) -> None:
    masks = obs.masks.copy()
    masks[:, 0] = True  # a canary of every model, flagged so: the file loads
    flagged = Observations(obs.log_probs, obs.labels, masks)
    flagged.save(tmp_path / "o.npz", is_canary=np.arange(N) == 0)
    assert Observations.load(tmp_path / "o.npz").masks[:, 0].all()
    with pytest.raises(DataError, match=r"masks: record 0 \(1 of 20\) is never OUT"):
        flagged.save(tmp_path / "p.npz")


def test_copy_groups_api_load_refuses_are_not_saved(obs, tmp_path) -> None:
    groups = np.zeros(N, np.int64)  # every record one copy, though they trained other models
    with pytest.raises(DataError, match=r"Observations\.save: .*o\.npz: copy_groups: records "
                       r"1, .* are grouped with records that trained other models"):
        obs.save(tmp_path / "o.npz", copy_groups=groups)
    assert not (tmp_path / "o.npz").exists()
    obs.save(tmp_path / "o.npz", copy_groups=np.arange(N))
    api.load_observations(tmp_path / "o.npz")


def test_nan_in_the_metadata_is_saved_as_strict_json(obs, tmp_path) -> None:
    facts = {"lr": float("nan"), "scores": [np.float32(np.inf), 1.5]}
    Observations(obs.log_probs, obs.labels, obs.masks, metadata=facts).save(tmp_path / "o.npz")
    with np.load(tmp_path / "o.npz") as raw:
        text = str(raw["metadata"])

    def refuse(constant: str) -> None:
        raise ValueError(constant)

    assert json.loads(text, parse_constant=refuse) == {"lr": None, "scores": [None, 1.5]}
    assert Observations.load(tmp_path / "o.npz").metadata == {"lr": None, "scores": [None, 1.5]}


@pytest.mark.parametrize("path", ["", "/"])
def test_a_save_path_naming_no_file(obs, path) -> None:
    """Before: a raw ValueError from pathlib ("PosixPath('.') has an empty name")."""
    from mia_defense.errors import ConfigError

    with pytest.raises(ConfigError, match=rf"Observations\.save: path='{path}' names no file"):
        obs.save(path)


@pytest.mark.parametrize("path", [None, b"o.npz", 3])
def test_a_load_path_that_is_none(path) -> None:
    """Before: a raw TypeError from pathlib (expected str, bytes or os.PathLike)."""
    from mia_defense.errors import ConfigError

    with pytest.raises(ConfigError, match=r"Observations\.load: path=.*: give the path of an "
                       r"observations \.npz"):  # fmt: skip
        Observations.load(path)


@pytest.mark.parametrize(("name", "value", "said"), [
    ("is_canary", np.full(N, 2), r"is_canary: values must be 0/1 or true/false"),
    ("is_canary", np.ones(N, bool), r"is_canary: every record is a canary"),
    ("population_idx", np.zeros(N, np.int64), r"population_idx: values must be distinct rows"),
])  # fmt: skip
def test_extras_mia_attack_and_load_observations_refuse_are_not_saved(obs, tmp_path, name,
                                                                       value, said) -> None:
    path = tmp_path / "o.npz"
    with pytest.raises(DataError, match=rf"Observations\.save: {path}: {said}"):
        obs.save(path, **{name: value})
    assert not path.exists()
    obs.save(path, is_canary=(np.arange(N) < 2).astype(np.int8), population_idx=np.arange(N))
