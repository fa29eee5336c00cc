"""The rehearsal before training runs each of our attacks once per process for the same
settings and plan (a sweep rehearsed the same attacks before every point); anything else is
rehearsed every time."""

from functools import partial

import numpy as np
import pytest

from mia_defense.attacks import runner
from mia_defense.errors import ConfigError

CALLS: list[object] = []


def counted(obs, targets, *, k=1, fail=False):
    CALLS.append(k)
    if fail:
        raise ConfigError(f"k={k} refused")
    return np.zeros((len(targets), len(obs.labels)))


def users(obs, targets):
    CALLS.append("user")
    return np.zeros((len(targets), len(obs.labels)))


@pytest.fixture
def ours(monkeypatch):
    monkeypatch.setattr(runner, "_REHEARSED", set())
    monkeypatch.setattr(counted, "__module__", "mia_defense.attacks.counted")
    CALLS.clear()
    return dict(num_models=4, num_classes=3, targets=np.arange(4))


def test_our_attack_is_rehearsed_once_per_settings_and_plan(ours):
    runner.check_attacks({"a": partial(counted, k=1)}, **ours)
    runner.check_attacks({"a": partial(counted, k=1)}, **ours)
    assert CALLS == [1]
    runner.check_attacks({"a": partial(counted, k=2)}, **ours)  # other settings
    runner.check_attacks({"a": partial(counted, k=1)}, **{**ours, "num_models": 6})  # plan
    runner.check_attacks({"a": partial(counted, k=1)}, **{**ours, "targets": np.arange(2)})
    assert CALLS == [1, 2, 1, 1]


def test_a_refused_rehearsal_and_a_users_attack_run_every_time(ours):
    for _ in range(2):
        with pytest.raises(ConfigError, match=r"attack\.attacks\.a: k=3 refused"):
            runner.check_attacks({"a": partial(counted, k=3, fail=True)}, **ours)
        runner.check_attacks({"u": users}, **ours)
        runner.check_attacks({"s": partial(counted, k=[object()])}, **ours)  # not plain
    assert CALLS.count(3) == 2
    assert sum(isinstance(k, list) for k in CALLS) == 2
    user_calls = CALLS.count("user")  # the rehearsal, then the weights check's four runs
    assert user_calls == 10
