"""An Optuna search choosing a config group option unfit for the data (``model: choice(mlp,
cnn)`` on digits' flat features) passed the up-front checks: the search made its folders and
each trial drawing cnn was refused by the single run's check of the model against the data
('model=cnn needs images [C, H, W]'). Each option is composed as a trial composes it and
asked the run's own check; one it refuses refuses the search, naming the option."""

from __future__ import annotations

import logging

import pytest

from tests.cli.test_h228_search_points_out_of_range import _params
from tests.helpers import mia_train
from tests.hostile.test_h460_search_values_the_run_refuses import _check_in_hydra


@pytest.mark.parametrize(("overrides", "swept", "said"), [
    (_params('model: "choice(mlp, cnn)", model.dropout: "choice(0.0, 0.1)"'), (),
     "hydra.sweeper.params: model: choice(mlp, cnn): the choice draws model=cnn, which the "
     "run's config check refuses (model=cnn needs images [C, H, W]"),
    (_params('model: "choice(mlp, wide_resnet)"'), (),
     "the choice draws model=wide_resnet, which the run's config check refuses (model="),
    (["hparams_search=optuna_custom"], ("model=choice(mlp,cnn)",),
     "model=choice(mlp,cnn): the choice draws model=cnn, which the run's config check"),
])  # fmt: skip
def test_an_option_unfit_for_the_data_is_refused(caplog, overrides, swept, said) -> None:
    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) as exc:
        _check_in_hydra(*overrides, swept=swept)
    assert exc.value.code == 2
    assert said in caplog.text
    assert "Drop " in caplog.text and " from the choice" in caplog.text


@pytest.mark.parametrize("overrides", [
    ["dataset=digits_images", *_params('model: "choice(mlp, cnn)"')],
    _params('model: "choice(mlp, logistic)"'),
])  # fmt: skip
def test_options_fit_for_the_data_pass(overrides) -> None:
    _check_in_hydra(*overrides)  # (refused: SystemExit)


def test_the_search_makes_no_folder(tmp_path) -> None:
    sweep = tmp_path / "sweep"
    done = mia_train("-m", "hparams_search=optuna_custom",
                     '+hydra.sweeper.params={model: "choice(mlp, cnn)", '
                     'model.dropout: "choice(0.0, 0.1)"}',
                     "plan.num_models=2", "train.epochs=1", "hydra.sweeper.n_trials=2",
                     "hydra.sweeper.n_jobs=1", f"hydra.sweep.dir={sweep}",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert "the choice draws model=cnn, which the run's config check refuses" in done.stderr
    assert not sweep.exists()
