"""The tools' up-front refusal of an override whose first name no config has (override_checks'
`misspelt_key_problem`) clipped at 200 characters, so a key of 81 to 200 was said three times
whole: ``mia-train <200 x>=1`` gave a line of 747 characters ('<200 x>=1: no config group or
key '<200 x>' (Key '<200 x>' is not in struct)'), mia-attack's 718. Such a key is clipped
at 80 now (`constraints.key_shown`, as the config check's 'unknown key' and Hydra's 'Could
not override' clip it), the override with it; a short key's words are unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from mia_defense.constraints import KEY_LIMIT
from mia_defense.override_checks import misspelt_key_problem
from tests.helpers import refused_before_run_dir

LONG = "x" * 200


@pytest.mark.parametrize("arg", [f"{LONG}=1", f"{LONG}.lr=1", f"{LONG}=" + "y" * 300])
def test_a_long_misspelt_key_is_clipped(arg: str):
    said = misspelt_key_problem([arg], {"train", "attack"}, listed="keys: mia-attack --cfg job")
    assert said is not None and "x" * (KEY_LIMIT + 1) not in said and len(said) < 400, said
    assert said.startswith("xx") and f"… ({len(arg)} characters): no config group or key 'xx" in \
        said, said  # fmt: skip
    assert f"… ({len(LONG)} characters)' (Key 'xx" in said, said
    assert said.endswith(f"… ({len(LONG)} characters)' is not in struct); none is named alike "
                         "(keys: mia-attack --cfg job)"), said  # fmt: skip


def test_mia_train_says_it_clipped(tmp_path: Path):
    line = refused_before_run_dir(f"{LONG}=1", cwd=tmp_path).strip().splitlines()[-1]
    assert line.startswith("ConfigError: xx") and f"… ({len(LONG) + 2} characters): " in line, line
    assert "x" * (KEY_LIMIT + 1) not in line and len(line) < 450, line


def test_a_key_of_up_to_the_limit_keeps_its_words():
    # (the override said whole up to 200 characters, as before)
    key, value = "x" * KEY_LIMIT, "y" * (200 - KEY_LIMIT - 1)
    assert misspelt_key_problem([f"{key}={value}"], {"attack"}, listed="L") == (
        f"{key}={value}: no config group or key '{key}' (Key '{key}' is not in struct); none is "
        "named alike (L)")
    assert misspelt_key_problem(["atack.bootstrap=0"], {"attack"}, listed="L") == (
        "atack.bootstrap=0: no config group or key 'atack' (Key 'atack' is not in struct); did "
        "you mean 'attack'? (L)")
