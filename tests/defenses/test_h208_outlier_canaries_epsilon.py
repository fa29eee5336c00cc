"""DP-SGD with outlier canaries (``attack.canaries.kind=outlier``, or the one-run audit's
input canaries of that kind) says ``privacy.epsilon_valid: false``, as feature scaling with
the data's statistics does: the canaries train the models and sit at the population's mean
plus 3 standard deviations, statistics of every record, members included.

Measured before the fix: ``mia-train defense=dp attack.canaries.num=20
attack.canaries.kind=outlier`` wrote ε 8.0 with ``epsilon_valid: true`` and no word, while
``dataset.standardize=true``, the same step on the features, made it false.
"""

from __future__ import annotations

import copy
import logging

from mia_defense.canaries import canaries_reason
from mia_defense.cli.train import run
from mia_defense.report.checks import epsilon_doubt
from mia_defense.tracking import read_json
from tests.helpers import FAST

OUTLIERS = ["defense=dp", "attack.canaries.num=20", "attack.canaries.kind=outlier", *FAST]


def test_a_dp_run_with_outlier_canaries_says_epsilon_is_no_guarantee(make_cfg, tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        run(make_cfg(*OUTLIERS), tmp_path)
    said = ("defense.dp: ε will not be a guarantee (privacy.epsilon_valid: false): "
            "attack.canaries.kind=outlier: the 20 canaries (attack.canaries.num=20) that train "
            "the models were placed at the population's mean plus 3 standard deviations")
    assert said in caplog.text  # before training
    payload = read_json(tmp_path / "results.json")
    privacy = payload["privacy"]
    assert privacy["epsilon_valid"] is False
    assert privacy["epsilon_invalid_reason"].startswith("attack.canaries.kind=outlier: the 20 ")
    assert "set attack.canaries.kind=mislabeled" in privacy["epsilon_invalid_reason"]
    keys = list(privacy)  # the reason follows the flag, as for every other reason
    assert keys.index("epsilon_invalid_reason") == keys.index("epsilon_valid") + 1
    assert privacy["epsilon"] > 0 and len(privacy["per_model"]) == 4  # the figures stay
    # a run recorded before (its flag true, no reason): mia-report and mia-attack doubt it
    edited = copy.deepcopy(payload)
    edited["privacy"]["epsilon_valid"] = True
    del edited["privacy"]["epsilon_invalid_reason"]
    assert epsilon_doubt(edited).startswith("attack.canaries.kind=outlier: the 20 canaries")
    edited["config"]["attack"]["canaries"]["kind"] = "mislabeled"
    assert epsilon_doubt(edited) is None


def test_the_one_run_audits_outlier_canaries_count_and_mislabeled_ones_do_not():
    reason = canaries_reason(kind="outlier", num=0, audit=100)
    assert reason is not None and reason.startswith(
        "attack.canaries.kind=outlier: the 100 canaries (attack.audit_canaries=100 of the "
        "one-run audit)")  # fmt: skip
    both = canaries_reason(kind="outlier", num=20, audit=100)
    assert both is not None and "the 120 canaries (attack.canaries.num=20, " in both
    assert canaries_reason(kind="outlier", num=0, audit=0) is None
    assert canaries_reason(kind="mislabeled", num=20, audit=100) is None
