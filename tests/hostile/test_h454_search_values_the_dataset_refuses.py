"""An Optuna search's choice, range or integer interval drawing a value the run's check
refuses against the dataset's sizes known before loading it ('release.k: choice(1, 11)' on
digits' 10 classes) had each trial drawing it refused after the search made its folders,
while a grid sweep's point is refused at its launch. The search is refused before it starts,
naming the key and the values; values within the dataset's sizes pass."""

from __future__ import annotations

import logging

import pytest

from tests.cli.test_h228_search_points_out_of_range import _compose
from tests.helpers import mia_train


def _search(space: str, *more: str) -> list[str]:
    return ["hparams_search=optuna_custom", "release=topk", *more,
            f"+hydra.sweeper.params={{{space}}}"]  # fmt: skip


@pytest.mark.parametrize(("overrides", "said"), [
    ((_search('release.k: "choice(1, 11, 12)"'), ()),
     "hydra.sweeper.params: release.k: choice(1, 11, 12): the choice draws 11 and 12, which "
     "the run's config check refuses for this dataset (release.k=11: larger than the "
     "dataset's 10 classes; choose k in [1, 10]); each trial drawing it would be refused; "
     "nothing was run"),
    ((_search('release.k: "int(interval(1, 11))"'), ()), "the interval draws 11, which"),
    ((_search('release.k: "range(1, 11)"'), ()), "the range draws 11, which"),
    ((_search('release.k: "choice(1, 3)"', "dataset=breast_cancer"), ()),
     "the choice draws 3, which the run's config check refuses for this dataset (release.k=3: "
     "larger than the dataset's 2 classes"),
    ((["hparams_search=optuna_custom", "release=topk"], ("release.k=choice(2,11)",)),
     "release.k=choice(2,11): the choice draws 11, which"),
])  # fmt: skip
def test_a_search_drawing_values_the_dataset_refuses_is_refused(caplog, overrides, said):
    from mia_defense.cli.search_checks import refuse_intervals_out_of_range

    overrides, swept = overrides
    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) as exc:
        refuse_intervals_out_of_range(_compose(*overrides, swept=swept))
    assert exc.value.code == 2
    assert said in caplog.text


@pytest.mark.parametrize(("overrides", "swept"), [
    (_search('release.k: "choice(1, 10)"'), ()),
    (_search('release.k: "int(interval(1, 9))"'), ()),
    (_search('release.k: "range(1, 9)"'), ()),
    (_search('train.lr: "choice(0.01, 0.1)"', "release.k=11"), ()),  # (the run's to say)
    ([], ("release=topk", "release.k=1,11")),  # (a grid: 11 is refused at its launch)
])  # fmt: skip
def test_values_within_the_datasets_sizes_pass(overrides, swept) -> None:
    from mia_defense.cli.search_checks import refuse_intervals_out_of_range

    refuse_intervals_out_of_range(_compose(*overrides, swept=swept))  # (refused: SystemExit)


def test_the_search_makes_no_folder(tmp_path) -> None:
    sweep = tmp_path / "sweep"
    done = mia_train("-m", "hparams_search=optuna_custom", "release=topk",
                     '+hydra.sweeper.params={release.k: "choice(1, 11)"}',
                     "hydra.sweeper.n_trials=3", "plan.num_models=2", "train.epochs=1",
                     f"hydra.sweep.dir={sweep}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert "release.k: choice(1, 11): the choice draws 11, which" in done.stderr
    assert not sweep.exists()
