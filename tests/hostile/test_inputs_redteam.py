"""Red-team cases (2026-12-01) where thinner coverage let a hostile input through: each was a
Python traceback, a file overwritten or a run wasted, and is now one clear error naming the
key or path and the fix, with nothing on disk changed."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_module

from mia_defense.cli import attack as attack_cli
from mia_defense.errors import ConfigError
from tests.helpers import synthetic_observations

BIN = Path(sys.executable).parent
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}


def _digest(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with a hash of its bytes (to show nothing changed)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


def _attack_cfg(source: Path, *overrides: str):
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        return compose(attack_cli.CONFIG_NAME, overrides=[
            f"source={attack_cli._quote(str(source))}", "progress=false", *overrides])


@pytest.fixture
def observations_file(tmp_path: Path) -> Path:
    path = tmp_path / "src" / "mine.npz"
    path.parent.mkdir()
    synthetic_observations(num_models=4, num_samples=60, num_classes=3).save(path)
    return path


# -- mia-attack: the attack config --------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("attack.fprs=0.01", r"attack.fprs=0.01: must be a non-empty list of numbers in \(0, 1\)"),
        ("attack.fprs=[abc]", r"attack.fprs=\['abc'\]: must be a non-empty list of numbers"),
        ("attack.fprs=[${oops}]", r"attack.fprs: cannot resolve its value \(Interpolation key "
                                  r"'oops' not found\)"),
        ("seed=${nope}", r"seed: cannot resolve its value"),
    ],
)
def test_mia_attack_checks_its_config_before_touching_anything(
    observations_file, tmp_path, override, message
):
    """These used to reach ``float(f) for f in cfg.attack.fprs`` (or ``cfg.seed``) unchecked:
    a traceback with exit code 1, after the run directory was made."""
    with pytest.raises(ConfigError, match=message):
        attack_cli.run(_attack_cfg(observations_file, override), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_the_mia_attack_command_refuses_a_bad_fprs_with_one_line(observations_file, tmp_path):
    before = _digest(observations_file.parent)
    done = subprocess.run(
        [str(BIN / "mia-attack"), str(observations_file), "hydra.run.dir=out",
         "attack.fprs=[abc]"],
        cwd=tmp_path, env=ENV, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert "ConfigError: attack.fprs=['abc']: must be a non-empty list of numbers" in done.stderr
    assert not (tmp_path / "out").exists()
    assert _digest(observations_file.parent) == before
