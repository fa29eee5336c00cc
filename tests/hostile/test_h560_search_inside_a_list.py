"""An Optuna search of a position of a list that the list lacks (``mia-train -m
hparams_search=optuna_custom 'attack.fprs.5=choice(0.2,0.3)'``, attack.fprs holding 3
values; or ``attack.fprs.x``, no position at all; or either in ``hydra.sweeper.params``)
made the search's folder and had its first trial refused ('Error merging override
attack.fprs.5=0.3; list index out of range') or stopped in a traceback ('ValueError:
invalid literal for int() with base 10: 'x''); a grid sweep of it is refused before any
run. Refused before the search's folder now, naming the list's positions (h560)."""

from __future__ import annotations

import pytest

from tests.helpers import mia_train

TINY = ["plan.num_models=2", "plan.population_size=200", "progress=false", "figures=false",
        "attack.bootstrap=0", "hydra.sweeper.n_jobs=1", "train.epochs=1",
        "hydra.sweeper.n_trials=2", "hparams_search=optuna_custom"]  # fmt: skip

LIST = ("attack.fprs is a list of 3 values, at positions 0 to 2 (attack.fprs.0 to "
        "attack.fprs.2), and {0!r} is none of them; each trial would be refused; nothing "
        "was run. Search a position it has, or the whole list in a choice of lists: "
        "'attack.fprs=choice([A,B],[C])'")  # fmt: skip


@pytest.mark.parametrize(("searched", "said"), [
    ("attack.fprs.5=choice(0.2,0.3)", "attack.fprs.5=choice(0.2,0.3): " + LIST.format("5")),
    ("attack.fprs.x=choice(0.2,0.3)", "attack.fprs.x=choice(0.2,0.3): " + LIST.format("x")),
    ('+hydra.sweeper.params={attack.fprs.5: "choice(0.2, 0.3)"}',
     "hydra.sweeper.params: attack.fprs.5: choice(0.2, 0.3): " + LIST.format("5")),
])  # fmt: skip
def test_a_search_of_a_position_a_list_lacks_is_refused(tmp_path, searched, said) -> None:
    sweep = tmp_path / "s"
    done = mia_train("-m", *TINY, searched, f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    assert said in done.stderr, done.stderr[-3000:]
    assert "Traceback" not in done.stderr + done.stdout and not sweep.exists()


@pytest.mark.parametrize("searched", ["attack.fprs.2=choice(0.2,0.3)",
                                      "attack.fprs=choice([0.1,0.01],[0.1,0.01,0.3])"])
def test_a_search_of_a_position_the_list_has_passes(searched) -> None:
    from hydra import compose, initialize_config_module
    from omegaconf import open_dict

    from mia_defense.cli.search_checks import refuse_intervals_out_of_range

    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        config = compose("config", overrides=["hparams_search=optuna_custom"],
                         return_hydra_config=True)  # fmt: skip
    with open_dict(config):
        config.hydra.overrides.task = [*config.hydra.overrides.task, searched]
    refuse_intervals_out_of_range(config)  # (refused: SystemExit)
