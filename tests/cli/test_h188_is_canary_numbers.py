"""``is_canary`` stored as 0/1 integers in observations.npz: the file check and api.audit took
it (as masks may be 0/1 numbers), mia-attack refused it ('has shape (60,) and dtype int64,
expected [60] bool'). All three now read exact 0/1 numbers as flags
(`mia_defense.observations.zero_one_flags`); other values are refused by both attackers."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from mia_defense import api
from mia_defense.cli import attack as attack_cli
from mia_defense.errors import ConfigError, DataError
from mia_defense.observations import Observations
from tests.cli.test_attack_cli import _attack_cfg
from tests.helpers import synthetic_observations

N = 60
FLAGGED = 3
ATTACKS = ("attack.bootstrap=0", "~attack.attacks.shokri", "~attack.attacks.rmia",
           "~attack.attacks.label_only")


def _file(tmp_path: Path, flags: np.ndarray) -> Path:
    obs = synthetic_observations(num_models=4, num_samples=N, num_classes=3, signal=2.0)
    obs.save(tmp_path / "plain.npz")
    arrays = dict(np.load(tmp_path / "plain.npz"))
    arrays["is_canary"] = flags
    np.savez(tmp_path / "flagged.npz", **arrays)
    return tmp_path / "flagged.npz"


def _flags(dtype) -> np.ndarray:
    flags = np.zeros(N, dtype=dtype)
    flags[:FLAGGED] = 1
    return flags


@pytest.mark.parametrize("dtype", [np.int64, np.uint8, np.float32])
def test_mia_attack_reads_zero_one_numbers_as_the_audit_does(tmp_path, dtype, caplog):
    file = _file(tmp_path, _flags(dtype))
    with threadpool_limits(1):
        result = attack_cli.run(_attack_cfg(file, *ATTACKS, "figures=false"), tmp_path / "out")
    assert result.slices["loss"]["canaries"]["records"] == FLAGGED
    with caplog.at_level(logging.WARNING):
        obs = api.load_observations(file)
    assert f"flags {FLAGGED} of its {N} records as canaries" in caplog.text
    audited = api.audit(obs, overrides=list(ATTACKS), is_canary=np.load(file)["is_canary"])
    assert audited.result.attacks["loss"]["auc"] == result.attacks["loss"]["auc"]


def test_other_numbers_are_refused_by_both(tmp_path):
    flags = _flags(np.int64)
    flags[5] = 2
    file = _file(tmp_path, flags)
    with pytest.raises(DataError, match=r"flagged.npz: is_canary: values must be 0/1 or "
                                        r"true/false \(canary or not\), found 2"):  # fmt: skip
        attack_cli.run(_attack_cfg(file, *ATTACKS), tmp_path / "out")
    with pytest.raises(DataError, match=r"flagged.npz: is_canary: values must be 0/1 or "
                                        r"true/false \(canary or not\), found 2"):  # fmt: skip
        api.load_observations(file)  # (h224: the file refused as mia-attack refuses it)
    with pytest.raises(ConfigError, match=r"is_canary: values must be 0/1 or true/false"):
        api.audit(Observations.load(file), overrides=list(ATTACKS), is_canary=flags)
