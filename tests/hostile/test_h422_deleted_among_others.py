"""h422: the API's check of its attack overrides (`check_attack_config`) answered a required
key a '~KEY' deleted alone and dropped the config's other problems:
api.audit(obs, overrides=['~attack.fprs', 'attack.bootstrap=-1']) named attack.fprs only,
so the user fixed it, ran again and got attack.bootstrap next. mia-attack's check (and
mia-train's) listed both. The API's lists every problem now, the deleted key worded as
before."""

from __future__ import annotations

import pytest

from mia_defense import api
from mia_defense.errors import ConfigError
from tests.helpers import synthetic_observations

_FPRS = ("attack.fprs: missing; it is required: '~attack.fprs' deletes it; leave that "
         "override out (to change it, give attack.fprs=VALUE)")  # fmt: skip


def test_audit_names_the_deleted_key_and_the_other_problems():
    obs = synthetic_observations(num_models=4, num_samples=40, num_classes=3)
    overrides = ["~attack.fprs", "attack.bootstrap=-1", "attack.confidence=2"]
    with pytest.raises(ConfigError) as info:
        api.audit(obs, overrides=overrides)
    head, *lines = str(info.value).splitlines()
    assert head == f"attack overrides {overrides!r}: 3 problems in the attack config:"
    assert [line.strip() for line in lines if line.strip().startswith("attack.fprs")] == [_FPRS]
    assert any(line.strip().startswith("attack.bootstrap=-1: must be") for line in lines)
    assert any(line.strip().startswith("attack.confidence=2: must be") for line in lines)


def test_two_deleted_keys_are_two_problems():
    obs = synthetic_observations(num_models=4, num_samples=40, num_classes=3)
    overrides = ["~attack.fprs", "~attack.bootstrap"]
    with pytest.raises(ConfigError) as info:
        api.audit(obs, overrides=overrides)
    assert sorted(str(info.value).splitlines()[1:]) == sorted([
        f"  {_FPRS}",
        "  attack.bootstrap: missing; it is required: '~attack.bootstrap' deletes it; leave "
        "that override out (to change it, give attack.bootstrap=VALUE)"])  # fmt: skip
