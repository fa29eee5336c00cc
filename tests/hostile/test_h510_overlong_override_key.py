"""An override whose key is longer than a file name may be (255 bytes) ended mia-train and
mia-attack in a traceback: Hydra looks a key up as a config group's folder too
(`importlib_resources_config_source.is_group` stats ``<conf>/train.<300 x>``), and the
OSError "File name too long" escaped, echoing the name whole (found by h508:
``mia-train "train.$(printf 'x%.0s' {1..300})=1"``). hydra_guard's refusal of a choice too
long for a file name (`_long_choice_refusal`) now refuses such a key too, in one clipped
line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import mia_attack, refused_before_run_dir

LONG = "x" * 300


@pytest.mark.parametrize("override", [f"train.{LONG}=1", f"~train.{LONG * 5}", f"+{LONG}=1"],
                         ids=["set", "delete", "add"])
def test_mia_train_refuses_a_key_too_long_for_a_file_name(override: str, tmp_path: Path):
    said = refused_before_run_dir(override, cwd=tmp_path)
    last = said.strip().splitlines()[-1]
    assert "Traceback" not in said and "OSError" not in said, said[-1500:]
    assert last.startswith("ConfigError: ") and LONG not in last and len(last) < 600
    key = override.lstrip("+~").partition("=")[0]
    assert f"a key of {len(key)} characters, which no config has" in last


def test_mia_attack_refuses_it_too(tmp_path: Path):
    done = mia_attack(str(tmp_path / "o.npz"), f"attack.{LONG}=1", "hydra.run.dir=out",
                      cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-1500:]
    assert f"a key of {len('attack.' + LONG)} characters" in done.stderr


def test_a_long_choice_keeps_its_own_words(tmp_path: Path):
    said = refused_before_run_dir(f"dataset={LONG}", cwd=tmp_path)
    assert "no config of the group dataset has a name that long" in said
