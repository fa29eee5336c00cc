"""A glob in an Optuna search (``mia-train -m hparams_search=optuna_custom 'defense=glob(*)'``,
``seed=glob(*)``, or ``'+hydra.sweeper.params={defense: "glob(*)"}'``) made the search's
folder and stopped in a traceback (the Optuna sweeper's ``assert isinstance(value,
ChoiceSweep)``): a glob picks a grid sweep's config-group options, and Optuna draws from
choices, ranges and intervals only. Refused before the folder now, with the options the
glob picks written as a choice (h560)."""

from __future__ import annotations

import pytest

from tests.helpers import mia_train

TINY = ["plan.num_models=2", "plan.population_size=200", "progress=false", "figures=false",
        "attack.bootstrap=0", "hydra.sweeper.n_jobs=1", "train.epochs=1",
        "hydra.sweeper.n_trials=2", "hparams_search=optuna_custom"]  # fmt: skip


@pytest.mark.parametrize(("glob", "said"), [
    ("defense=glob([dp,mixup])",
     "defense=glob([dp,mixup]): a glob picks options of a config group for a grid sweep, "
     "and an Optuna search draws from choice(...), range(...) and interval(...) alone; "
     "nothing was run. Name the options in a choice: 'defense=choice(dp,mixup)'"),
    ('+hydra.sweeper.params={defense: "glob([dp,mixup])"}',
     "hydra.sweeper.params: defense: glob([dp,mixup]): a glob picks options of a config group "
     "for a grid sweep, and an Optuna search draws from choice(...), range(...) and "
     "interval(...) alone; nothing was run. Name the options in a choice: choice(dp,mixup)"),
    ("seed=glob(*)",
     "seed=glob(*): a glob picks options of a config group for a grid sweep, and an Optuna "
     "search draws from choice(...), range(...) and interval(...) alone; nothing was run. "
     "seed is no config group: give its values in a choice, e.g. 'seed=choice(A,B)'"),
])  # fmt: skip
def test_a_glob_in_a_search_is_refused_before_its_folder(tmp_path, glob, said) -> None:
    sweep = tmp_path / "s"
    done = mia_train("-m", *TINY, glob, f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    assert said in done.stderr, done.stderr[-3000:]
    assert "Traceback" not in done.stderr + done.stdout and not sweep.exists()


def test_a_glob_excluding_options_picks_the_rest(tmp_path) -> None:
    from hydra.core.override_parser.overrides_parser import OverridesParser

    sweep = tmp_path / "s"
    done = mia_train("-m", *TINY, "defense=glob(*,exclude=[dp,mix*])",
                     f"hydra.sweep.dir={sweep}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    choice = done.stderr.rsplit("Name the options in a choice: ", 1)[1].split()[0].strip("'")
    parsed = OverridesParser.create().parse_overrides([choice])[0]
    assert parsed.key_or_group == "defense" and list(parsed.sweep_string_iterator()), choice
    names = list(parsed.sweep_string_iterator())
    assert "none" in names and "weight_decay" in names and not {"dp", "mixup"} & set(names)
