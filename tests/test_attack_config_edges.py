"""Attack settings that ran and gave figures no one should read: refused the same way by
mia-train's config check, api.audit and mia-attack (check_attack_config)."""

from __future__ import annotations

import pytest

from mia_defense.api import audit
from mia_defense.config import check_config
from mia_defense.errors import ConfigError
from tests.helpers import synthetic_observations

LOW = (r"attack.confidence=0.1: below 0.5, the ε lower bounds and intervals would hold less "
       r"often than not")  # fmt: skip
CLASH = r"attack.fprs: 0.001 and 0.0010000001 are both reported as tpr@0.1%fpr"


def test_a_confidence_below_one_half_is_refused_by_mia_train(make_cfg):
    with pytest.raises(ConfigError, match=LOW):
        check_config(make_cfg("attack.confidence=0.1"))
    check_config(make_cfg("attack.confidence=0.5"))  # a median's level still runs


@pytest.mark.parametrize(("override", "message"), [
    ("attack.confidence=0.1", LOW),
    ("attack.fprs=[0.001,0.0010000001]", CLASH),  # one figure would overwrite the other
])  # fmt: skip
def test_the_api_and_mia_attack_refuse_what_mia_train_refuses(override, message):
    obs = synthetic_observations(num_models=4, num_samples=40, num_classes=3)
    with pytest.raises(ConfigError, match=message):
        audit(obs, overrides=[override, "attack.bootstrap=0"])


@pytest.mark.parametrize("other", ["attack.white_box=false", "attack.audit_gradient_canaries=0"])
def test_a_one_run_audit_without_any_canary_is_refused(make_cfg, other):
    with pytest.raises(ConfigError, match=rf"attack.audit=one_run with attack.audit_canaries=0 "
                                          rf"and {other}: the audit would have no canaries"):
        check_config(make_cfg("attack.audit=one_run", "attack.audit_canaries=0", other))
    check_config(make_cfg("attack.audit=one_run", "attack.audit_canaries=0"))  # white-box side
