"""A search space (``hydra.sweeper.params``) naming a key the config does not have. Measured:
``'+hydra.sweeper.params={train.lrr: "interval(0.01, 0.1)"}'`` started the Optuna search,
made its sweep folder and stopped at the first trial on Hydra's "Could not override
'train.lrr'" (and ``defense.dp.max_grad_norm`` without ``defense=dp`` on "Key 'dp' is not in
struct"), naming neither the search space nor the key to use."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra import compose, initialize_config_module

from tests.helpers import mia_train

CONF = Path(__file__).resolve().parents[2] / "conf"
TINY = ["plan.num_models=2", "plan.population_size=200", "progress=false", "figures=false",
        "train.epochs=1", "attack.bootstrap=0", "hydra.sweeper.n_trials=1"]  # fmt: skip


@pytest.mark.parametrize(("space", "said"), [
    ('{train.lrr: "interval(0.01, 0.1)"}',
     "hydra.sweeper.params: train.lrr is no key of the config (did you mean train.lr?)"),
    ('{tran.lr: "interval(0.01, 0.1)"}',
     "hydra.sweeper.params: tran.lr is no key of the config (did you mean train?)"),
    ('{sed: "choice(1, 2)"}',
     "hydra.sweeper.params: sed is no key of the config (did you mean seed?)"),
    ('{defense.dp.max_grad_norm: "interval(0.5, 1.0)"}',
     "hydra.sweeper.params: defense.dp.max_grad_norm is no key of the config: the defense 'dp' "
     "is not selected: add it with defense=dp"),
])  # fmt: skip
def test_a_search_space_key_the_config_lacks_is_refused_before_the_search(tmp_path, space,
                                                                          said):
    sweep = tmp_path / "search"
    done = mia_train("-m", "hparams_search=optuna_custom", *TINY,
                     f"+hydra.sweeper.params={space}", f"hydra.sweep.dir={sweep}",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert f"ConfigError: {said}" in done.stderr
    assert "nothing was run" in done.stderr
    assert not sweep.exists()


def _compose(*overrides: str):
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        return compose("config", overrides=list(overrides), return_hydra_config=True)


@pytest.mark.parametrize("overrides", [
    # a key under a group the search chooses, and a group itself
    ['+hydra.sweeper.params={defense: "choice(dp)", defense.dp.max_grad_norm: "interval(0.5, '
     '1)", release: "choice(full, topk)"}', "hparams_search=optuna_custom"],
    # added keys, and a key of a selected defense
    ['+hydra.sweeper.params={+seed_extra: "choice(1, 2)", defense.dp.max_grad_norm: '
     '"interval(0.5, 1)"}', "defense=dp", "hparams_search=optuna_custom"],
    ["hparams_search=optuna_tradeoff"],
    # top-level keys and groups
    ['+hydra.sweeper.params={seed: "choice(1, 2)", dataset: "choice(digits)", plan: '
     '"choice(default)"}', "hparams_search=optuna_custom"],
    *[[f"+experiment={p.stem}"] for p in sorted((CONF / "experiment").glob("*.yaml"))],
])  # fmt: skip
def test_search_spaces_of_existing_keys_and_the_presets_pass(overrides):
    from mia_defense.cli.search_space_checks import refuse_unknown_search_keys

    refuse_unknown_search_keys(_compose(*overrides))  # (a refusal raises SystemExit)
