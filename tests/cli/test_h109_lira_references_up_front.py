"""lira's ``fixed_variance=false`` (per-example variances) with ``plan.num_models`` of 4 or
fewer is refused by the config check, before the run directory is made: every record
trains half of the models, so a target's K - 1 references leave K/2 - 1 IN or OUT ones,
below the 2 it needs, whatever the data. The attack refused it once the models were
trained, leaving a run folder with the error's log. Same wording (the attack's own, under
attack.attacks.NAME, as the rehearsal gave it)."""

from __future__ import annotations

import pytest

from mia_defense.config import check_config
from mia_defense.errors import ConfigError
from tests.helpers import refused_before_run_dir


@pytest.mark.parametrize(("models", "fewest"), [(2, 0), (4, 1)])
def test_lira_per_example_variances_with_four_models_or_fewer_are_refused_up_front(
    make_cfg, models, fewest
):
    with pytest.raises(ConfigError) as info:
        check_config(make_cfg(f"plan.num_models={models}",
                              "attack.attacks.lira_offline.fixed_variance=false"))  # fmt: skip
    assert str(info.value) == (
        "attack.attacks.lira_offline: lira fixed_variance=false needs at least 2 IN and 2 OUT "
        f"reference models of every sample, but plan.num_models={models} leaves {fewest}; "
        "raise plan.num_models (>= 6) or set fixed_variance: null"
    )


def test_six_models_or_another_variance_pass(make_cfg):
    check_config(make_cfg("plan.num_models=6", "attack.attacks.lira_online.fixed_variance=false"))
    check_config(make_cfg("plan.num_models=4", "attack.attacks.lira_online.fixed_variance=true"))
    check_config(make_cfg("plan.num_models=2"))  # (fixed_variance: null, the default)


def test_mia_train_leaves_no_run_directory_for_too_few_lira_references(tmp_path):
    stderr = refused_before_run_dir("plan.num_models=4",
                                    "attack.attacks.lira_online.fixed_variance=false",
                                    cwd=tmp_path)  # fmt: skip
    assert ("ConfigError: attack.attacks.lira_online: lira fixed_variance=false needs at least "
            "2 IN and 2 OUT") in stderr  # fmt: skip
