"""Hydra's 'Could not override' of a key of 81 to 255 characters (past 255 bytes hydra_guard
refuses it first) was reworded naming the key whole, again and again:
``mia-attack o.npz attack.<200 x>=1`` gave 844 characters ('Could not override
'attack.<200 x>' (Key '<200 x>' is not in struct): attack has no key '<200 x>' (its keys:
...)'), ``mia-train attack.attacks.<200 x>=1`` 1,189 (a fourth time in '+attack.attacks.<200
x>={_target_: ...}'). Each name of it is clipped now as the config check's are
(`constraints.keys_shown`); a sweep of it says the single run's words; a short key's words
are unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from mia_defense.constraints import KEY_LIMIT
from tests.helpers import mia_attack, refused_before_run_dir, synthetic_observations

LONG = "x" * 200


def _refusal(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("ConfigError: ")]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr[-2000:]
    return lines[0]


def test_mia_attack_clips_a_long_key_it_cannot_override(tmp_path: Path):
    synthetic_observations(num_models=4, num_samples=40, num_classes=3).save(tmp_path / "o.npz")
    single = mia_attack("o.npz", f"attack.{LONG}=1", "hydra.run.dir=out", cwd=tmp_path)
    assert single.returncode == 2, single.stderr[-2000:]
    line = _refusal(single.stderr)
    assert "x" * (KEY_LIMIT + 1) not in line and len(line) < 500, line
    for words in ["Could not override 'attack.xx", f"… ({len(LONG) + 7} characters)' (Key 'xx",
                  f"… ({len(LONG)} characters)' is not in struct): attack has no key 'xx",
                  f"… ({len(LONG)} characters)' (its keys: num_targets, "]:  # fmt: skip
        assert words in line, line
    (tmp_path / "sweep").mkdir()
    swept = mia_attack("../o.npz", "-m", f"attack.{LONG}=1,2", cwd=tmp_path / "sweep")
    assert swept.returncode == 2 and [*(tmp_path / "sweep").iterdir()] == [], swept.stderr[-2000:]
    assert _refusal(swept.stderr) == line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.npz", "sweep"]


@pytest.mark.parametrize(("override", "said"), [
    (f"train.{LONG}=1", ["train has no key 'xx", f"… ({len(LONG)} characters)' (its keys: "]),
    (f"attack.attacks.{LONG}=1", ["attack.attacks has no attack 'xx", "(its attacks: loss, ",
                                  # (h541: the suggestion, its key clipped, said in words)
                                  "or add one of your own by writing that key with '+'"]),
])  # fmt: skip
def test_mia_train_clips_a_long_key_it_cannot_override(override: str, said: list[str],
                                                       tmp_path: Path):
    line = _refusal(refused_before_run_dir(override, cwd=tmp_path))
    assert "x" * (KEY_LIMIT + 1) not in line and len(line) < 700, line
    for words in said:
        assert words in line, line


def test_a_short_key_keeps_its_words(tmp_path: Path):
    assert _refusal(refused_before_run_dir("train.lrr=1", cwd=tmp_path)) == (
        "ConfigError: train.lrr=1: Could not override 'train.lrr' (Key 'lrr' is not in struct): "
        "train has no key 'lrr'; did you mean 'lr'? (keys: mia-train --cfg job)")
    key = "attack.attacks." + "y" * (KEY_LIMIT - len("attack.attacks."))  # (80: whole)
    line = _refusal(refused_before_run_dir(f"{key}=1", cwd=tmp_path))
    assert line.startswith(f"ConfigError: Could not override '{key}' (Key 'yy"), line
    assert line.endswith(f"or add one of your own with '+{key}={{_target_: ...}}'"), line
