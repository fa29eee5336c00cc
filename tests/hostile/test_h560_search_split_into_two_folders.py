"""An Optuna search over defenses given a setting of one of them (``mia-train -m
hparams_search=optuna_custom 'defense=choice(dp,none)' 'train.lr=interval(0.01,0.1)'
defense.dp.target_epsilon=4 hydra.sweep.dir=S``) was told to run its points as two sweeps
into one folder, S; pasted, the first search ran and the second was refused ('S holds an
Optuna search of other settings ...: this one would start a new study there'): a folder
holds one study. A search's split names a folder for each now (S_with, S_without) and
mia-report of both; a grid sweep's keeps one folder (h560)."""

from __future__ import annotations

import shlex

import pytest

from mia_defense.sweep_advice import sweep_of_unselected_points

SEARCH = ["hparams_search=optuna_custom", "defense=choice(dp,none)",
          "train.lr=interval(0.01,0.1)", "defense.dp.target_epsilon=4"]  # fmt: skip


def _commands(said: str) -> list[list[str]]:
    """The mia-train commands the advice gives, as shell words."""
    tail = said.split("compares them all): ", 1)[1]
    first, second = tail.split(", then ")[:2]
    second = second.split(" (write ", 1)[0]
    return [shlex.split(first), shlex.split(second)]


def _folders(command: list[str]) -> list[str]:
    return [word.partition("=")[2] for word in command if word.startswith("hydra.sweep.dir=")]


@pytest.mark.parametrize(("given", "folders"), [
    (["hydra.sweep.dir=S"], (["S_with"], ["S_without"])),
    (["hydra.sweep.dir='my dir'"], (["'my dir_with'"], ["'my dir_without'"])),
    ([], (["multirun/defense_with"], ["multirun/defense_without"])),
])  # fmt: skip
def test_a_search_split_in_two_names_a_folder_for_each(given, folders) -> None:
    said = sweep_of_unselected_points("defense.dp.target_epsilon", [*SEARCH, *given],
                                      plain=True)  # fmt: skip
    assert said is not None, said
    first, second = _commands(said)
    assert (_folders(first), _folders(second)) == folders, said
    assert "defense=dp" in first and "defense=none" in second, said
    assert ("two searches, each into a folder of its own (a folder holds one Optuna study; "
            "mia-report of both folders compares them all)") in said
    assert said.endswith(f", then mia-report {' '.join(folders[0] + folders[1])}") or \
        said.endswith(f", then mia-report {shlex.join(['my dir_with', 'my dir_without'])}"), said


def test_a_grid_split_in_two_keeps_one_folder() -> None:
    said = sweep_of_unselected_points("defense.dp.target_epsilon",
                                      ["defense=dp,none", "defense.dp.target_epsilon=4",
                                       "hydra.sweep.dir=S"], plain=True)  # fmt: skip
    assert said is not None
    first, second = _commands(said)
    assert _folders(first) == _folders(second) == ["S"], said
