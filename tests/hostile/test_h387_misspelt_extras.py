"""h387: Observations.save(path, is_canaries=flags) kept the misspelt extra in the file,
where mia-attack reads is_canary by that name only: the canaries were pooled into every
figure without a word."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from mia_defense import api
from mia_defense.observations import Observations


def _obs() -> Observations:
    rng = np.random.default_rng(0)
    masks = np.zeros((4, 20), bool)
    masks[:2, :10] = masks[2:, 10:] = True
    probs = rng.dirichlet(np.ones(3), size=(4, 20))
    return api.observations_from_arrays(probs, masks, rng.integers(0, 3, 20),
                                        kind="probabilities")  # fmt: skip


@pytest.mark.parametrize(("given", "meant"), [("is_canaries", "is_canary"),
                                              ("copy_group", "copy_groups"),
                                              ("population_index", "population_idx")])
def test_an_extra_spelt_nearly_as_one_mia_attack_reads_is_warned_of(
    tmp_path, caplog, given: str, meant: str
) -> None:
    flags = np.zeros(20, bool)
    flags[:3] = True
    with caplog.at_level(logging.WARNING):
        _obs().save(tmp_path / "o.npz", **{given: flags})
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(f"extra array {given!r}: did you mean {meant!r}?" in line for line in said), said


def test_extras_of_the_right_name_or_of_other_names_are_not_warned_of(tmp_path, caplog) -> None:
    flags = np.zeros(20, bool)
    flags[:3] = True
    with caplog.at_level(logging.WARNING):
        _obs().save(tmp_path / "o.npz", is_canary=flags, train_idx=np.arange(20), weights=flags)
    assert not [r for r in caplog.records if "did you mean" in r.getMessage()]
