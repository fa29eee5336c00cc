"""Two FPRs that results.json would file under one key are refused before anything runs."""

from __future__ import annotations

import pytest

from mia_defense.api import audit
from mia_defense.config import check_config
from mia_defense.errors import ConfigError
from mia_defense.metrics.roc import fpr_percent
from mia_defense.report import objective
from tests.helpers import synthetic_observations


def test_fprs_sharing_a_results_key_are_refused(make_cfg):
    with pytest.raises(ConfigError, match=r"attack.fprs: 0.001 and 0.0010000001 are both "
                                          r"reported as tpr@0.1%fpr"):  # fmt: skip
        check_config(make_cfg("attack.fprs=[0.001,0.0010000001,0.01]"))
    check_config(make_cfg("attack.fprs=[0.001,0.0011,0.01]"))  # distinct keys pass


def test_an_fpr_just_below_one_is_not_labelled_100_percent():
    assert [fpr_percent(f) for f in (0.1, 0.01, 0.001, 0.07, 1e-6)] == [
        "10", "1", "0.1", "7", "0.0001"]  # as results.json has always keyed them
    assert fpr_percent(0.9999999) == "99.99999"
    assert fpr_percent(0.9999999999999999) == "99.99999999999999"


def test_an_fpr_below_one_in_a_million_is_keyed_in_plain_decimals_an_objective_reads():
    # %g wrote tpr@1e-05%fpr, a key the report's TPR pattern tpr@[0-9.]+%fpr does not match
    assert [fpr_percent(f) for f in (1e-7, 1.5e-7, 1.234567e-9)] == [
        "0.00001", "0.000015", "0.000000123457"]
    obs = synthetic_observations(num_models=4, num_samples=60, num_classes=3)
    done = audit(obs, overrides=["attack.bootstrap=0", "attack.fprs=[1e-7,0.001]",
                                 "~attack.attacks.shokri"])  # fmt: skip
    keys = {key for row in done.rows() for key in row if key.endswith("%fpr")}
    assert keys == {"tpr@0.00001%fpr", "tpr@0.1%fpr", "fpr_read@0.00001%fpr", "fpr_read@0.1%fpr"}
    assert "TPR@0.00001%FPR" in done.table()
    assert objective({"attacks": {"loss": {"tpr@0.00001%fpr": 0.25}}},
                     "max_attack.tpr@0.00001%fpr") == 0.25


def test_the_audit_table_and_results_keys_carry_the_digits_of_the_fpr():
    obs = synthetic_observations(num_models=4, num_samples=60, num_classes=3)
    done = audit(obs, overrides=["attack.bootstrap=0", "attack.fprs=[0.9999999,0.1]",
                                 "~attack.attacks.shokri"])  # fmt: skip
    keys = {key for row in done.rows() for key in row if key.endswith("%fpr")}
    assert keys == {"tpr@99.99999%fpr", "tpr@10%fpr", "fpr_read@99.99999%fpr", "fpr_read@10%fpr"}
    assert "TPR@99.99999%FPR" in done.table() and "100%" not in done.table()


@pytest.mark.parametrize("fprs", ["[1.0]", "[0]", "[0.1,1.5]", "[nan]"])
def test_fprs_outside_zero_one_are_refused_naming_the_key(make_cfg, fprs):
    with pytest.raises(ConfigError, match=r"attack\.fprs=.*must be a non-empty list of "
                                          r"numbers in \(0, 1\)"):  # fmt: skip
        check_config(make_cfg(f"attack.fprs={fprs}"))
