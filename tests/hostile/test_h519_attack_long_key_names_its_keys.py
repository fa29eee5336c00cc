"""mia-attack's refusal of a key too long for a file name (hydra_guard's
`_long_choice_refusal`, 10adf496) sent its user to another tool's keys: ``mia-attack o.npz
"attack.<300 x>=1"`` ended 'Correct the key (keys: mia-train --cfg job)', whose config is
not mia-attack's. It names mia-attack's own list now, as its other unknown-key refusals do
('keys: mia-attack --cfg job'); mia-train's keeps its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import mia_attack, refused_before_run_dir, synthetic_observations

LONG = "x" * 300


def _refusal(done) -> str:
    lines = [line for line in done.stderr.splitlines() if line.startswith("ConfigError: ")]
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert len(lines) == 1, done.stderr[-2000:]
    return lines[0]


@pytest.mark.parametrize("args", [(f"attack.{LONG}=1",), (f"+{LONG}=1",),
                                  ("-m", f"attack.{LONG}=1,2")], ids=["set", "add", "sweep"])
def test_mia_attack_points_a_long_key_to_its_own_keys(args: tuple[str, ...], tmp_path: Path):
    synthetic_observations(num_models=4, num_samples=40, num_classes=3).save(tmp_path / "o.npz")
    line = _refusal(mia_attack("o.npz", *args, cwd=tmp_path))
    assert "characters, which no config has" in line, line
    assert line.endswith("Correct the key (keys: mia-attack --cfg job)"), line
    # (the list it names: the one its misspelt keys name)
    said = _refusal(mia_attack("o.npz", "attack.bootstrapp=1", cwd=tmp_path))
    assert said.endswith("(keys: mia-attack --cfg job)"), said
    assert [p.name for p in tmp_path.iterdir()] == ["o.npz"]


def test_mia_train_keeps_its_own(tmp_path: Path):
    last = refused_before_run_dir(f"train.{LONG}=1", cwd=tmp_path).strip().splitlines()[-1]
    assert last.endswith("Correct the key (keys: mia-train --cfg job)"), last
