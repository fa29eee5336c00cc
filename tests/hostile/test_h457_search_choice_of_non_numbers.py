"""An Optuna search's choice holding a non-number for a numeric key ('train.lr:
choice(abc, 0.1)'), or a value another kind of key refuses ('train.optimizer: choice(adam,
sgdd)'), had each trial drawing it refused ("train.lr='abc': must be a finite
number > 0") after the search made its folders. The search is refused before it starts, in
the run's config check's words; a value pointing at another setting (``${...}``) and a
nullable key's null pass."""

from __future__ import annotations

import logging

import pytest

from tests.cli.test_h228_search_points_out_of_range import _compose, _params
from tests.helpers import mia_train


@pytest.mark.parametrize(("overrides", "said"), [
    (_params('train.lr: "choice(abc, 0.1)"'),
     "hydra.sweeper.params: train.lr: choice(abc, 0.1): the choice draws 'abc', which the "
     "run's config check refuses (train.lr='abc': must be a finite number > 0"),
    (_params('train.epochs: "choice(2, true)"'), "the choice draws true, which"),
    (_params('train.lr: "choice(0.1, [0.1, 0.2])"'), "the choice draws [0.1, 0.2], which"),
    (["hparams_search=optuna_custom"], ("train.lr=choice(0.1,abc)",)),
    # (keys of other kinds: a target's names, true or false)
    (_params('train.optimizer: "choice(adam, sgdd)"'),
     "train.optimizer: choice(adam, sgdd): the choice draws 'sgdd', which the run's config "
     "check refuses (train.optimizer='sgdd': must be one of 'adam', 'sgd'"),
    (_params('attack.white_box: "choice(true, maybe)"'), "the choice draws 'maybe', which"),
    # (a number for a key of another kind)
    (_params('attack.white_box: "choice(true, 1)"'),
     "the choice draws 1, which the run's config check refuses (attack.white_box=1: must be "
     "true or false"),
    (_params('train.optimizer: "choice(adam, 1)"'), "the choice draws 1, which"),
])  # fmt: skip
def test_a_choice_of_non_numbers_for_a_numeric_key_is_refused(caplog, overrides, said):
    from mia_defense.cli.search_checks import refuse_intervals_out_of_range

    swept: tuple[str, ...] = ()
    if isinstance(said, tuple):
        swept, said = said, "train.lr=choice(0.1,abc): the choice draws 'abc', which"
    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) as exc:
        refuse_intervals_out_of_range(_compose(*overrides, swept=swept))
    assert exc.value.code == 2
    assert said in caplog.text


@pytest.mark.parametrize(("overrides", "swept"), [
    # (another setting's value: the run resolves it)
    (["hparams_search=optuna_custom"], ("train.weight_decay=choice(0,${train.lr})",)),
    (_params('train.weight_decay: "choice(0, ${train.lr})"'), ()),
    (_params('train.lr: "choice(0.01, 0.1)"'), ()),
    (_params('plan.test_size: "choice(null, 100)"'), ()),  # (null: a nullable key's)
    (_params('train.optimizer: "choice(adam, sgd)"'), ()),
    (_params('attack.white_box: "choice(true, false)"'), ()),
    (_params('attack.fprs: "choice([0.1, 0.01], [0.5])"'), ()),
])  # fmt: skip
def test_interpolations_and_numbers_pass(overrides, swept) -> None:
    from mia_defense.cli.search_checks import refuse_intervals_out_of_range

    refuse_intervals_out_of_range(_compose(*overrides, swept=swept))  # (refused: SystemExit)


def test_the_search_makes_no_folder(tmp_path) -> None:
    sweep = tmp_path / "sweep"
    done = mia_train("-m", "hparams_search=optuna_custom",
                     '+hydra.sweeper.params={train.lr: "choice(abc, 0.1)"}',
                     "hydra.sweeper.n_trials=3", "hydra.sweeper.n_jobs=1", "plan.num_models=2",
                     "train.epochs=1", f"hydra.sweep.dir={sweep}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert "train.lr: choice(abc, 0.1): the choice draws 'abc', which" in done.stderr
    assert not sweep.exists()
