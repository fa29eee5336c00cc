"""RMIA's offline scaling ``a`` outside [0, 1] (``attack.attacks.rmia.a=2``) is refused by the
config check, before the run directory is made, as aaa3539 did for the other attacks'
choices: it was refused by the attack, after the data was loaded and the models trained,
and left a run folder holding only the error's log. Same wording (the attack's own, under
attack.attacks.rmia)."""

from __future__ import annotations

import pytest

from mia_defense.config import check_config
from mia_defense.errors import ConfigError
from tests.helpers import refused_before_run_dir


@pytest.mark.parametrize("value", ["2", "-0.5"])
def test_rmia_a_outside_0_1_is_refused_by_the_config_check(make_cfg, value):
    with pytest.raises(ConfigError) as info:
        check_config(make_cfg(f"attack.attacks.rmia.a={value}"))
    assert str(info.value) == (
        f"attack.attacks.rmia: attack rmia a={value}: must lie in [0, 1] (or null: "
        "chosen on the reference models)"
    )


def test_rmia_a_in_0_1_or_null_passes(make_cfg):
    for value in ("0", "0.5", "1", "null"):
        check_config(make_cfg(f"attack.attacks.rmia.a={value}"))


def test_mia_train_leaves_no_run_directory_for_rmia_a_outside_0_1(tmp_path):
    stderr = refused_before_run_dir("attack.attacks.rmia.a=2", cwd=tmp_path)
    assert "ConfigError: attack.attacks.rmia: attack rmia a=2" in stderr
