"""A misspelt key of a defense in a sweep over defenses (``mia-train -m defense=dp,none
defense.dp.nosie=1``) was taken for a key of dp, and the refusal advised splitting the
sweep in two, the first of which Hydra then refused (dp has no key ``nosie``). The key is
named as misspelt now, with the single run's 'did you mean' and dp's keys, however it is
written (plain, ``+``, ``++``, swept), and no split is suggested (h551)."""

from __future__ import annotations

import pytest

from mia_defense.sweep_advice import sweep_of_unselected_points
from tests.helpers import mia_train

DP_KEYS = ("target_epsilon, noise_multiplier, delta, max_grad_norm, accountant, "
           "poisson_sampling, allow_unaccounted_sampling, secure_mode, max_physical_batch_size, "
           "auto_fix")  # fmt: skip


@pytest.mark.parametrize("setting", ["defense.dp.target_epsilonn=1",
                                     "++defense.dp.target_epsilonn=1",
                                     "+defense.dp.target_epsilonn=1",
                                     "defense.dp.target_epsilonn=1,2"])  # fmt: skip
def test_a_misspelt_key_in_a_sweep_is_named_as_misspelt(tmp_path, setting):
    done = mia_train("-m", "defense=dp,none", setting, "hydra.sweep.dir=s", cwd=tmp_path)
    said = done.stdout + done.stderr
    assert done.returncode != 0, said[-3000:]
    assert ("defense.dp has no key 'target_epsilonn'; did you mean 'target_epsilon'? "
            f"(its keys: {DP_KEYS})") in said, said[-3000:]
    assert "two sweeps" not in said and "mia-train -m defense=dp " not in said, said[-3000:]
    assert "Traceback" not in said and not (tmp_path / "s").exists()


def test_a_misspelt_key_where_every_point_selects_the_defense_is_not_told_to_force_add():
    said = sweep_of_unselected_points(
        "+defense.dp.nosie", ["defense=dp,[dp,mixup]", "+defense.dp.nosie=1"])
    assert said is not None and "defense.dp has no key 'nosie'" in said, said
    assert "++" not in said, said


def test_a_misspelt_key_no_point_selects_is_named_as_misspelt_too():
    said = sweep_of_unselected_points(
        "defense.dp.nosie", ["defense=mixup,none", "defense.dp.nosie=1"], plain=True)
    assert said is not None and "defense.dp has no key 'nosie'" in said, said


def test_a_key_the_defense_has_still_gets_the_split():
    said = sweep_of_unselected_points(
        "defense.dp.noise_multiplier", ["defense=dp,none", "defense.dp.noise_multiplier=1"],
        plain=True)  # fmt: skip
    assert said is not None and "two sweeps" in said and "has no key" not in said, said
