"""A search or sweep over a config group naming an option the group lacks
(``defense: choice(none, dpp)``) made its sweep folder and stopped at its first trial on
Hydra's "Could not find 'defense/dpp'" (the basic sweeper left a multirun.yaml there). It is
refused before the folder is made, with the group's options."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra import compose, initialize_config_module

from tests.helpers import mia_train

CONF = Path(__file__).resolve().parents[2] / "conf"
TINY = ["plan.num_models=2", "plan.population_size=200", "progress=false", "figures=false",
        "train.epochs=1", "attack.bootstrap=0"]  # fmt: skip
SEARCH = ["hparams_search=optuna_custom", "hydra.sweeper.n_trials=1"]
OPTIONS = ("Choose one of advreg, distillation, dp, dropout, early_stopping, label_smoothing, "
           "mixup, none, relaxloss, weight_decay (e.g. defense=dp)")


@pytest.mark.parametrize(("overrides", "said"), [
    ([*SEARCH, '+hydra.sweeper.params={defense: "choice(none, dpp)"}'],
     "hydra.sweeper.params: defense: choice(none, dpp): dpp is no option of the config group "
     "defense (did you mean dp?); nothing was run. " + OPTIONS),
    ([*SEARCH, "defense=choice(none,dpp)"],
     "defense=choice(none,dpp): dpp is no option of the config group defense (did you mean "
     "dp?)"),
    (["defense=none,[dp,label_smootin]"],
     "defense=none,[dp,label_smootin]: label_smootin is no option of the config group defense "
     "(did you mean label_smoothing?)"),
    (["model=mlp,cnnn"], "model=mlp,cnnn: cnnn is no option of the config group model"),
], ids=["params", "search_override", "basic_list", "model"])  # fmt: skip
def test_an_unknown_group_option_is_refused_before_the_sweep_folder(tmp_path, overrides,
                                                                    said) -> None:  # fmt: skip
    sweep = tmp_path / "sweep"
    done = mia_train("-m", *TINY, *overrides, f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    assert f"ConfigError: {said}" in done.stderr
    assert not sweep.exists()


def _compose(*overrides: str):
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        return compose("config", overrides=list(overrides), return_hydra_config=True)


@pytest.mark.parametrize("overrides", [
    ['+hydra.sweeper.params={defense: "choice(none, dp, [dp, label_smoothing])", release: '
     '"choice(full, topk)", model: "choice(mlp)", seed: "choice(1, 2)"}',
     "hparams_search=optuna_custom"],
    ['+hydra.sweeper.params={defense: "glob(*)"}', "hparams_search=optuna_custom"],
    ["hparams_search=optuna_tradeoff"],
    *[[f"+experiment={p.stem}"] for p in sorted((CONF / "experiment").glob("*.yaml"))],
])  # fmt: skip
def test_searches_of_existing_options_and_the_presets_pass(overrides) -> None:
    from mia_defense.cli.search_space_checks import refuse_unknown_group_options

    refuse_unknown_group_options(_compose(*overrides))  # (a refusal raises SystemExit)


def test_an_option_of_ones_own_search_path_is_an_option(tmp_path) -> None:
    # (Hydra's global config loader does not list a hydra.searchpath of the command line)
    from mia_defense.cli.search_space_checks import refuse_unknown_group_options

    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "mynet.yaml").write_text("_target_: mia_defense.models.MLP\n")
    own = [f"hydra.searchpath=[file://{tmp_path}]", "hparams_search=optuna_custom"]
    refuse_unknown_group_options(
        _compose(*own, '+hydra.sweeper.params={model: "choice(mlp, mynet)"}'))
    with pytest.raises(SystemExit):
        refuse_unknown_group_options(
            _compose(*own, '+hydra.sweeper.params={model: "choice(mlp, mynett)"}'))
