"""A key given twice on the command line is refused before any work, naming both values:
Hydra kept the last without a word (``train.epochs=3 train.epochs=5`` trained 5 epochs)."""

from __future__ import annotations

import pytest

from mia_defense.cli.arguments import repeated_key
from tests.helpers import mia_attack, mia_train


@pytest.mark.parametrize(("args", "key", "values"), [
    (["train.epochs=3", "train.epochs=5"], "train.epochs", "(3, then 5)"),
    (["+x=1", "++x=2"], "x", "(1, then 2)"),
    (["defense.dp.noise_multiplier=1", "defense.dp.noise_multiplier=2"],
     "defense.dp.noise_multiplier", "(1, then 2)"),
    (["model=cnn", "model=mlp"], "model", "('cnn', then 'mlp')"),
    (["defense=[dp]", "defense=[mixup]"], "defense", "(['dp'], then ['mixup'])"),
    (["attack.queries.repeats=2", "attack.queries={repeats:3}"], "attack.queries.repeats",
     "(2, then 3)"),
    (["hydra.run.dir=a", "hydra.run.dir=b"], "hydra.run.dir", "('a', then 'b')"),
])  # fmt: skip
def test_a_key_given_twice_with_different_values_is_named(args, key, values):
    assert repeated_key(["-m", "seed=1,2", *args]) == (
        f"{' '.join(args)}: {key} is given 2 times on the command line {values}, and Hydra "
        f"would keep only the last without a word; nothing was run. Give {key} once, with "
        "the value you mean"
    )


@pytest.mark.parametrize("args", [
    ["train.epochs=3", "train.epochs=3"],  # the same value: nothing contradicted
    ["~train.epochs", "+train.epochs=3"],  # a deletion sets nothing
    ["-m", "seed=1,2", "seed=3"],  # a sweep's: refuse_repeated_sweep_keys says it
    ["-m", "seed=3", "seed=1,2"],  # a value, then a sweep of it: the sweep, as meant
    ["defense=dp", "defense.dp.noise_multiplier=1"],  # a group, then its keys
])  # fmt: skip
def test_keys_given_once_or_alike_are_left_alone(args):
    assert repeated_key(args) is None


def test_mia_train_refuses_a_repeated_key_before_any_work(tmp_path):
    done = mia_train("train.epochs=3", "train.epochs=5", "hydra.run.dir=run", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("ConfigError: train.epochs=3 train.epochs=5: train.epochs is "
                                  "given 2 times on the command line (3, then 5)")
    assert list(tmp_path.iterdir()) == []


def test_mia_attack_refuses_a_repeated_key(tmp_path):
    done = mia_attack("run", "attack.bootstrap=0", "attack.bootstrap=10", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "attack.bootstrap is given 2 times on the command line (0, then 10)" in done.stderr
    assert list(tmp_path.iterdir()) == []
