"""attack.audit=one_run with attack.audit_canaries=0 leaves the audit to its white-box side,
whose gradient canaries ride on DP-SGD's clipped sums in the stacked engine. Without DP-SGD
in the stack, or on train.engine=opacus, mia-train trained, skipped both sides of the audit
and still advised 'a one-run audit (attack.audit=one_run)' as the way to test the claim: it
is refused before anything is made, as the empty audit of the other keys is."""

from __future__ import annotations

import pytest

from mia_defense.config import check_config, check_defense_stack
from mia_defense.errors import ConfigError

AUDIT = ("attack.audit=one_run", "attack.audit_canaries=0")


@pytest.mark.parametrize(("overrides", "why"), [
    ((), "no DP-SGD among the defenses"),
    (("defense=weight_decay",), "no DP-SGD among the defenses"),
    (("defense=dp", "train.engine=opacus"), r"train.engine=opacus \(the gradient canaries"),
    (("attack.audit_canaries=0",), "no DP-SGD among the defenses"),
])  # fmt: skip
def test_an_audit_whose_white_box_side_cannot_run_is_refused(make_cfg, overrides, why):
    cfg = make_cfg(*AUDIT, *overrides)
    check_config(cfg)  # (the keys alone are fine)
    with pytest.raises(ConfigError, match=(
        rf"attack.audit=one_run with attack.audit_canaries=0 and {why}.*: the audit would "
        r"have no canaries and audit nothing; give attack.audit_canaries \(e.g. 100\), or "
        r"train with defense=dp on train.engine=stacked for the white-box side, or set "
        r"attack.audit=none"
    )):  # fmt: skip
        check_defense_stack(cfg)


@pytest.mark.parametrize("overrides", [
    ("defense=dp",),  # the white-box side runs
    ("defense=dp", "train.engine=opacus", "attack.audit_canaries=10"),  # the black-box one
    ("attack.audit_canaries=10",),
    ("attack.audit=none",),
])  # fmt: skip
def test_an_audit_with_a_side_that_runs_passes(make_cfg, overrides):
    check_defense_stack(make_cfg(*AUDIT, *overrides))
