"""``mia-train -m +experiment=tradeoff_dp defense.dp.target_epsilon=5``: Hydra applies the
command line after the experiment's ``hydra.sweeper.params``, so every point ran at ε=5 (10
runs of one config, in folders named for ε=0.5 ... 8; the two ε=∞ points refused). Refused
before the sweep's folder; a value replacing a swept key's values is warned of."""

from __future__ import annotations

from tests.conftest import TINY
from tests.helpers import LEAN_ATTACKS, mia_train


def test_a_value_inside_a_swept_value_is_refused(tmp_path):
    done = mia_train("-m", *TINY, *LEAN_ATTACKS, "+experiment=tradeoff_dp",
                     "defense.dp.target_epsilon=5", "hydra.sweep.dir=sweep",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    assert "ConfigError: defense.dp.target_epsilon=5: hydra.sweeper.params sweeps defense.dp " \
        "({target_epsilon:0.5}," in done.stderr, done.stderr[-2000:]
    assert "nothing was run. Drop it, or sweep defense.dp yourself" in done.stderr
    assert not (tmp_path / "sweep").exists()


def test_a_key_of_a_swept_group_choice_is_not(tmp_path):
    # the sweep chooses defense (a group); defense.dp.* sets the chosen one's keys. seed=1,1
    # is refused after the checks, before any run
    done = mia_train("-m", *TINY, "hydra.sweeper.params.defense='[dp]'",
                     "defense.dp.target_epsilon=5", "seed=1,1", "hydra.sweep.dir=sweep",
                     cwd=tmp_path)  # fmt: skip
    assert "hydra.sweeper.params sweeps" not in done.stderr, done.stderr[-2000:]


def test_a_value_replacing_a_swept_key_is_warned_of(tmp_path):
    done = mia_train("-m", *TINY, "+experiment=tradeoff_release", "release=full", "seed=1,1",
                     "hydra.sweep.dir=sweep", cwd=tmp_path)  # fmt: skip
    assert "release=full replaces the sweep of release in hydra.sweeper.params (full,topk," \
        in done.stderr, done.stderr[-2000:]
