"""The split advice for a search whose defenses are chosen in ``hydra.sweeper.params``
(``mia-train -m hparams_search=optuna_custom '+hydra.sweeper.params={defense:
"choice(dp,none)", train.lr: "interval(0.01,0.1)"}' defense.dp.target_epsilon=4``) repeated
the ``+hydra.sweeper.params=...`` that searches the defenses beside the fixed ``defense=dp``
in each command: pasted, the first was refused (every key of the space given one value, or
searched and fixed). Each command now gives the defenses once (the search space keeps its
other keys); where the defenses are all it searches, the points are run as a grid sweep
(two searches of nothing would be refused: 'hydra.sweeper.params is empty') (h572)."""

from __future__ import annotations

import shlex

import pytest

from tests.helpers import mia_train

TINY = ["plan.num_models=2", "plan.population_size=200", "progress=false", "figures=false",
        "attack.bootstrap=0", "train.epochs=1"]  # fmt: skip


def _commands(said: str) -> list[list[str]]:
    """The two mia-train commands the advice gives, as shell words (without 'mia-train')."""
    tail = said.split("compares them all): ", 1)[1].splitlines()[0]
    first, second = tail.split(", then ")[:2]
    return [shlex.split(first)[1:], shlex.split(second)[1:]]


def _defense_given(words: list[str]) -> list[str]:
    return [w for w in words if w.startswith("defense=") or "defense:" in w]


@pytest.mark.parametrize(("space", "search"), [
    ('{defense: "choice(dp,none)", train.lr: "interval(0.01,0.1)"}', True),
    ('{defense: "choice(dp,none)"}', False),
])  # fmt: skip
def test_a_split_gives_the_defenses_once(tmp_path, space, search) -> None:
    done = mia_train("-m", "hparams_search=optuna_custom", f"+hydra.sweeper.params={space}",
                     "defense.dp.target_epsilon=4", f"hydra.sweep.dir={tmp_path / 'S'}",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    first, second = _commands(done.stderr)
    assert _defense_given(first) == ["defense=dp"], first
    assert _defense_given(second) == ["defense=none"], second
    assert ("hparams_search=optuna_custom" in first) == search, first
    if search:
        assert '+hydra.sweeper.params={train.lr: "interval(0.01,0.1)"}' in first, first


@pytest.mark.slow
@pytest.mark.parametrize("space", ['{defense: "choice(dp,none)", train.lr: "interval(0.01,0.1)"}',
                                   '{defense: "choice(dp,none)"}'])
def test_both_commands_of_the_split_run_when_pasted(tmp_path, space) -> None:
    done = mia_train("-m", "hparams_search=optuna_custom", f"+hydra.sweeper.params={space}",
                     "defense.dp.target_epsilon=4", f"hydra.sweep.dir={tmp_path / 'S'}",
                     cwd=tmp_path)  # fmt: skip
    for command in _commands(done.stderr):
        extra = ["hydra.sweeper.n_trials=1", "hydra.sweeper.n_jobs=1"] if \
            "hparams_search=optuna_custom" in command else []
        ran = mia_train(*command, *TINY, *extra, cwd=tmp_path)
        assert ran.returncode == 0, (command, ran.stderr[-3000:])
