"""A run whose own attack failed on the trained models resumes from their checkpoints once
the attack is fixed (h110). The checkpoints' fingerprint held the code digest of the whole
config, a user's attack (or release) included, which trains nothing: the same command after
the fix was refused as 'trained with a different config ... or the code changed', and every
model had to be trained again."""

from __future__ import annotations

import importlib
import sys

import pytest

from mia_defense.cli.train import run
from mia_defense.errors import ConfigError
from mia_defense.tracking import read_json
from mia_defense.tracking.trained_model import load_trained_model
from mia_defense.training.checkpoints import checkpoint_path
from tests.helpers import FAST

MODULE = "h110_attack_probe"
ATTACK = [f"+attack.attacks.mine._target_={MODULE}.attack", "+attack.attacks.mine._partial_=true"]

# raises on the run's records, not on the 8 of the rehearsal before training
BROKEN = """
import numpy as np
def attack(observations, targets):
    y = observations.labels
    if len(y) > 50:
        raise ValueError("indexing bug")
    return np.stack([observations.log_probs[t][np.arange(len(y)), y] for t in targets])
"""
FIXED = """
import numpy as np
def attack(observations, targets):
    y = observations.labels
    return np.stack([observations.log_probs[t][np.arange(len(y)), y] for t in targets])
"""


def _write(tmp_path, text: str) -> None:
    (tmp_path / "code" / f"{MODULE}.py").write_text(text)
    sys.modules.pop(MODULE, None)  # what a new mia-train process imports
    importlib.invalidate_caches()


def test_a_run_resumes_after_its_own_attack_is_fixed(make_cfg, tmp_path, monkeypatch):
    (tmp_path / "code").mkdir()
    monkeypatch.syspath_prepend(str(tmp_path / "code"))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    monkeypatch.delitem(sys.modules, MODULE, raising=False)
    run_dir = tmp_path / "run"
    cfg = make_cfg(*FAST, *ATTACK)
    _write(tmp_path, BROKEN)
    with pytest.raises(ConfigError, match=r"attack\.attacks\.mine: the attack raised ValueError"):
        run(cfg, run_dir)
    first = checkpoint_path(run_dir / "checkpoints", 0)
    stamp = first.stat().st_mtime_ns

    _write(tmp_path, FIXED)
    result = run(cfg, run_dir)  # refused as trained by other code before the fix
    assert "mine" in result.attacks
    assert first.stat().st_mtime_ns == stamp  # resumed: no model trained again
    payload = read_json(run_dir / "results.json")
    assert payload["status"] == "complete"
    assert payload["versions"]["training_code"] != payload["versions"]["code"]
    load_trained_model(run_dir, 0)  # its checkpoints' fingerprint holds the training code
