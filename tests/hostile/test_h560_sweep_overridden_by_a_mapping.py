"""A sweep of a key followed by a mapping that sets it (``mia-train -m 'train.lr=0.1,0.2'
'train={lr: 0.3}'``) ran train.lr=0.3 in every run, in folders named train.lr=0.1 and
train.lr=0.2, without a word: Hydra applies a run's overrides in order, and the mapping,
another key, was neither a repeated key (`refuse_repeated_sweep_keys`) nor warned of
(`repeated_keys` leaves swept keys alone). It is warned of now, naming the value every run
uses; in an Optuna search, where a value given on the command line takes a key out of the
search whatever the order, it is refused (h560)."""

from __future__ import annotations

import pytest

from mia_defense.override_checks import repeated_keys
from tests.helpers import mia_train


def test_a_sweep_set_again_by_a_later_mapping_is_warned() -> None:
    said = repeated_keys(["train.lr=0.1,0.2", "train={lr: 0.3}"])
    assert said == [
        "train.lr=0.1,0.2 train={lr: 0.3}: train.lr is swept, then set by train={lr: 0.3}, "
        "which Hydra applies after the sweep's value in each run, so every run of the sweep "
        "uses train.lr=0.3 (its folders named after the swept values). Give train.lr once"
    ], said


@pytest.mark.parametrize("args", [
    ["train={lr: 0.3}", "train.lr=0.1,0.2"],  # (the sweep after it: each run its own value)
    ["train.lr=0.1,0.2", "train={epochs: 3}"],  # (another key of the node)
    ["train.lr=0.1,0.2", "train.lr=0.3"],  # (one key twice: refuse_repeated_sweep_keys')
])  # fmt: skip
def test_a_mapping_before_the_sweep_or_of_other_keys_is_not_warned(args) -> None:
    assert repeated_keys(args) == []


@pytest.mark.parametrize("order", [("train.lr=choice(0.01,0.1)", "train={lr: 0.3}"),
                                   ("train={lr: 0.3}", "train.lr=choice(0.01,0.1)")])
def test_a_search_of_a_key_a_mapping_sets_is_refused(tmp_path, order) -> None:
    sweep = tmp_path / "s"
    done = mia_train("-m", "hparams_search=optuna_tradeoff", "hydra.sweeper.n_trials=1",
                     "train.epochs=1", *order, f"hydra.sweep.dir={sweep}",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert ("train.lr is given on the command line both as values to search "
            "(train.lr=choice(0.01,0.1)) and as one value (train={lr: 0.3})") in done.stderr, \
        done.stderr[-3000:]
    assert not sweep.exists()
