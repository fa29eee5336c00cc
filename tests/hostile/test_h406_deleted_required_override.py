"""h406: api.observe_models(..., overrides=['~attack.queries.noise_std']) (and api.audit's
'~attack.fprs', '~attack.bootstrap') said "attack.queries.noise_std: missing; it is
required" alone: not the 'attack overrides [...]' that the API's other refusals of its
overrides name (d5460029's unparsed ones among them), nor that the '~' override did it and
what to do. It is now one line naming the overrides, the key, the override and the fix."""

from __future__ import annotations

import numpy as np
import pytest
from torch import nn

from mia_defense import api
from mia_defense.errors import ConfigError
from tests.helpers import synthetic_observations


def _models():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    plan = api.make_plan(x, y, num_models=2, population_size=40)
    return [nn.Linear(4, 2), nn.Linear(4, 2)], x, y, plan


@pytest.mark.parametrize(("deleted", "change"), [
    ("attack.queries.noise_std", " (to change it, give attack.queries.noise_std=VALUE)"),
    ("attack.queries", " (to change a setting in it, give attack.queries.KEY=VALUE)"),
    ("attack.fprs", " (to change it, give attack.fprs=VALUE)"),
    ("attack", ""),
])  # fmt: skip
def test_observe_models_names_the_deleting_override(deleted, change):
    models, x, y, plan = _models()
    with pytest.raises(ConfigError) as info:
        api.observe_models(models, x, y, plan, overrides=[f"~{deleted}"])
    assert str(info.value) == (
        f"attack overrides ['~{deleted}']: {deleted}: missing; it is required: '~{deleted}' "
        f"deletes it; leave that override out{change}")


def test_audit_names_the_deleting_override():
    obs = synthetic_observations(num_models=4, num_samples=40, num_classes=3)
    with pytest.raises(ConfigError) as info:
        api.audit(obs, overrides=["attack.bootstrap=0", "~attack.fprs"])
    assert str(info.value) == (
        "attack overrides ['attack.bootstrap=0', '~attack.fprs']: attack.fprs: missing; it is "
        "required: '~attack.fprs' deletes it; leave that override out (to change it, give "
        "attack.fprs=VALUE)")


def test_a_fix_of_its_own_is_kept_with_the_overrides_named():
    models, x, y, plan = _models()
    with pytest.raises(ConfigError, match=r"^attack overrides \['~attack\.attacks'\]: attack\."
                       r"attacks: missing; it is required \('~attack\.attacks' deletes every "):
        api.observe_models(models, x, y, plan, overrides=["~attack.attacks"])
