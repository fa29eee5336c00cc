"""A key given twice on the command line is warned about before any work, naming both
values and the one used: Hydra keeps the last without a word (``train.epochs=3
train.epochs=5`` trained 5 epochs). Warned, not refused: a base list of overrides and then
one's own change is an ordinary way to script runs. (An empty mapping, which Hydra merges
into the node, is refused: tests/test_h265_override_grammar.py.)"""

from __future__ import annotations

import json

import pytest

from mia_defense.cli.arguments import repeated_keys
from tests.helpers import FAST, LEAN_ATTACKS, mia_attack, mia_train


@pytest.mark.parametrize(("args", "key", "values", "used"), [
    (["train.epochs=3", "train.epochs=5"], "train.epochs", "(3, then 5)", "5"),
    (["+x=1", "++x=2"], "x", "(1, then 2)", "2"),
    (["defense.dp.noise_multiplier=1", "defense.dp.noise_multiplier=2"],
     "defense.dp.noise_multiplier", "(1, then 2)", "2"),
    (["model=cnn", "model=mlp"], "model", "('cnn', then 'mlp')", "'mlp'"),
    (["defense=[dp]", "defense=[mixup]"], "defense", "(['dp'], then ['mixup'])", "['mixup']"),
    (["attack.queries.repeats=2", "attack.queries={repeats:3}"], "attack.queries.repeats",
     "(2, then 3)", "3"),
    (["hydra.run.dir=a", "hydra.run.dir=b"], "hydra.run.dir", "('a', then 'b')", "'b'"),
])  # fmt: skip
def test_a_key_given_twice_with_different_values_is_named(args, key, values, used):
    assert repeated_keys(["-m", "seed=1,2", *args]) == [
        f"{' '.join(args)}: {key} is given 2 times on the command line {values}; Hydra keeps "
        f"the last, so the run uses {key}={used}. Give {key} once to silence this"
    ]


def test_each_repeated_key_is_named():
    found = repeated_keys(["train.epochs=3", "seed=1", "train.epochs=5", "seed=2"])
    assert [message.split(":")[0] for message in found] == [
        "train.epochs=3 train.epochs=5", "seed=1 seed=2"]


@pytest.mark.parametrize("args", [
    ["train.epochs=3", "train.epochs=3"],  # the same value: nothing contradicted
    ["~train.epochs", "+train.epochs=3"],  # a deletion sets nothing
    ["-m", "seed=1,2", "seed=3"],  # a sweep's: refuse_repeated_sweep_keys says it
    ["-m", "seed=3", "seed=1,2"],  # a value, then a sweep of it: the sweep, as meant
    ["defense=dp", "defense.dp.noise_multiplier=1"],  # a group, then its keys
])  # fmt: skip
def test_keys_given_once_or_alike_are_left_alone(args):
    assert repeated_keys(args) == []


def test_mia_train_warns_of_a_repeated_key_and_runs_with_the_last(tmp_path):
    done = mia_train(*FAST, "plan.num_models=2", "plan.population_size=60",
                     "train.batch_size=16", "train.epochs=2", "hydra.run.dir=run",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stderr.startswith("WARNING: train.epochs=1 train.epochs=2: train.epochs is "
                                  "given 2 times on the command line (1, then 2); Hydra keeps "
                                  "the last, so the run uses train.epochs=2")  # fmt: skip
    recorded = json.loads((tmp_path / "run" / "results.json").read_text())
    assert recorded["config"]["train"]["epochs"] == 2


def test_mia_attack_warns_of_a_repeated_key(tmp_path, attacked_run):
    done = mia_attack("run", *LEAN_ATTACKS, "attack.bootstrap=10", "hydra.run.dir=again",
                      cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert ("WARNING: attack.bootstrap=0 attack.bootstrap=10: attack.bootstrap is given 2 "
            "times on the command line (0, then 10)") in done.stderr
    recorded = json.loads((tmp_path / "again" / "results.json").read_text())
    assert recorded["config"]["attack"]["bootstrap"] == 10
