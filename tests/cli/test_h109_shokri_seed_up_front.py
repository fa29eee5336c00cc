"""An explicit ``attack.attacks.shokri.seed`` above scikit-learn's random_state range is
refused by the config check, before the run directory is made (the run's own ``seed=`` was
already): it passed the check (``>= 0``) and was refused by the attack, after the data was
loaded and the models trained, leaving a run folder with the error's log. Same wording
(the attack's own, under attack.attacks.shokri); a negative one keeps the check's line."""

from __future__ import annotations

import pytest

from mia_defense.attacks.shokri import MAX_SEED
from mia_defense.config import check_config
from mia_defense.errors import ConfigError
from tests.helpers import refused_before_run_dir


def test_shokri_seed_beyond_scikit_learns_range_is_refused_by_the_config_check(make_cfg):
    with pytest.raises(ConfigError) as info:
        check_config(make_cfg(f"attack.attacks.shokri.seed={MAX_SEED + 1}"))
    assert str(info.value) == (
        f"attack.attacks.shokri: attack shokri seed={MAX_SEED + 1}: must be an integer in "
        f"[0, {MAX_SEED}]"
    )


def test_shokri_seed_in_range_passes_and_a_negative_one_keeps_its_line(make_cfg):
    check_config(make_cfg(f"attack.attacks.shokri.seed={MAX_SEED}"))
    with pytest.raises(ConfigError) as info:
        check_config(make_cfg("attack.attacks.shokri.seed=-5"))
    assert str(info.value) == (
        "attack.attacks.shokri.seed=-5: must be an integer >= 0 (the run's seed by default "
        "(${seed}))"
    )


def test_mia_train_leaves_no_run_directory_for_a_shokri_seed_out_of_range(tmp_path):
    stderr = refused_before_run_dir(f"attack.attacks.shokri.seed={MAX_SEED + 1}", cwd=tmp_path)
    assert f"ConfigError: attack.attacks.shokri: attack shokri seed={MAX_SEED + 1}" in stderr
