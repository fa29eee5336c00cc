"""Two defenses of a stack that each report the run's privacy (a ``privacy_report``) are
refused before the run directory is made: mia-train records the first report in the
stack's order, so a defense of one's own sorted before DP-SGD (order -1) replaced DP-SGD's
accounting in results.json (ε 0.5 of its own, the DP figures lost)."""

from __future__ import annotations

import re

import pytest

from mia_defense.config import check_defense_stack
from mia_defense.defenses import DPSGD, DefenseFactory, LabelSmoothing, TrainingDefense
from mia_defense.errors import ConfigError
from tests.helpers import refused_before_run_dir


class EarlyClaim(TrainingDefense):
    """Trains as no defense does, sorted before DP-SGD; reports an ε all the same."""

    name = "early_claim"
    order = -1

    def privacy_report(self, per_model, *, dataset, stacked_with=(), one_hot_columns=None):
        return {"epsilon": 0.5, "delta": 1e-5, "epsilon_valid": True, "accountant": "rdp"}


class OtherClaim(EarlyClaim):
    name = "other_claim"
    order = 50


def _dp() -> DPSGD:
    return DPSGD(noise_multiplier=1.0, target_epsilon=None)


def test_two_privacy_reports_are_refused_naming_both() -> None:
    with pytest.raises(ConfigError) as info:
        DefenseFactory([_dp, EarlyClaim])
    assert str(info.value) == (
        f"defense: early_claim ({__name__}.EarlyClaim) and dp "
        "(mia_defense.defenses.dp.DPSGD) each report the run's privacy (a privacy_report), "
        "and results.json's privacy holds one report; keep one of them")
    with pytest.raises(ConfigError, match=r"early_claim .* and other_claim .* each report"):
        DefenseFactory([OtherClaim, EarlyClaim])


def test_one_privacy_report_each_passes() -> None:
    DefenseFactory([_dp, LabelSmoothing])
    DefenseFactory([EarlyClaim, LabelSmoothing])


def test_mia_train_refuses_them_before_the_run_dir(make_cfg, tmp_path) -> None:
    own = f"+defense.claim._target_={__name__}.EarlyClaim"
    named = (f"dp (mia_defense.defenses.dp.DPSGD) and early_claim ({__name__}.EarlyClaim) "
             "each report the run's privacy")  # (in the config's order)
    with pytest.raises(ConfigError, match=re.escape(named)):
        check_defense_stack(make_cfg("defense=dp", own))
    err = refused_before_run_dir("defense=dp", own, cwd=tmp_path)
    assert f"ConfigError: defense: {named}" in err
