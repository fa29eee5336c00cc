"""api.load_observations of a file whose is_canary mia-attack refuses (values 2, text,
another length, every record) read it as no canaries, without a word: api.audit then pooled
whatever the writer meant as canaries, while mia-attack refuses the file. It now refuses
the file in mia-attack's words (`mia_defense.attack_source.checked_extra`)."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense import api
from mia_defense.errors import DataError
from tests.helpers import mia_attack

K, N, C = 4, 60, 3


def _write(path, is_canary) -> None:
    rng = np.random.default_rng(0)
    masks = np.zeros((K, N), bool)
    masks[:2, ::2] = masks[2:, 1::2] = True
    obs = api.observations_from_arrays(rng.normal(size=(K, N, C)), masks,
                                       rng.integers(0, C, N), kind="logits")  # fmt: skip
    np.savez(path, log_probs=obs.log_probs, masks=obs.masks, labels=obs.labels,
             schema_version=np.array(2), is_canary=is_canary)  # fmt: skip


@pytest.mark.parametrize(("flags", "message"), [
    (np.full(N, 2), r"is_canary: values must be 0/1 or true/false \(canary or not\), found 2"),
    (np.array(["1"] * N), r"is_canary has shape \(60,\) and dtype <U1, expected \[60\] bool"),
    (np.zeros(N + 1, bool), r"is_canary has shape \(61,\) and dtype bool, expected \[60\] bool"),
    (np.ones(N, bool), r"is_canary: every record is a canary"),
])  # fmt: skip
def test_flags_mia_attack_refuses_are_refused_in_its_words(tmp_path, flags, message) -> None:
    path = tmp_path / "o.npz"
    _write(path, flags)
    with pytest.raises(DataError, match=rf"{path}: {message}") as loaded:
        api.load_observations(path)
    done = mia_attack(str(path), f"hydra.run.dir={tmp_path / 'out'}", "attack.bootstrap=0",
                      "figures=false", "progress=false", cwd=tmp_path)  # fmt: skip
    assert done.returncode != 0
    assert str(loaded.value).split(": ", 1)[1] in done.stderr


def test_zero_one_flags_are_read_with_the_advice(tmp_path, caplog) -> None:
    _write(tmp_path / "o.npz", (np.arange(N) < 2).astype(np.int8))
    api.load_observations(tmp_path / "o.npz")
    assert "flags 2 of its 60 records as canaries" in caplog.text
