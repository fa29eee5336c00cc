"""An Optuna float interval was checked against its key's own range alone, never against
the run's checks of one setting against another: ``attack.queries.noise_std: interval(1,
5000)`` beside ``attack.queries.num_augmented=4`` (at most 1000 where queries are augmented)
passed the up-front check, and each trial drawing above 1000 was refused after the search
made its folders. The run's check is now asked of a point near each end (the ends, perhaps
open bounds, are never drawn); a bound that close to an end is left to the trials."""

from __future__ import annotations

import logging

import pytest

from tests.cli.test_h228_search_points_out_of_range import _compose, _params


@pytest.mark.parametrize(("overrides", "said"), [
    (["attack.queries.num_augmented=4",
      *_params('attack.queries.noise_std: "interval(1, 5000)"')],
     "hydra.sweeper.params: attack.queries.noise_std: interval(1, 5000): the interval draws "
     "4995.001, which the run's config check refuses (attack.queries.noise_std=4995.001: at "
     "most 1000"),
    # (a log interval: its point near the upper end, in Optuna's logarithmic draw)
    (["attack.queries.num_augmented=4",
      *_params('attack.queries.noise_std: "tag(log, interval(0.1, 5000))"')],
     "the interval draws 49"),
    # (below 0.5 the run refuses attack.confidence: half of this interval)
    (_params('attack.confidence: "interval(0, 1)"'),
     "the interval draws 0.001, which the run's config check refuses (attack.confidence=0.001"),
])  # fmt: skip
def test_an_interval_reaching_past_another_settings_bound_is_refused(caplog, overrides,
                                                                     said) -> None:
    from mia_defense.cli.search_checks import refuse_intervals_out_of_range

    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) as exc:
        refuse_intervals_out_of_range(_compose(*overrides))
    assert exc.value.code == 2
    assert said in caplog.text


@pytest.mark.parametrize("overrides", [
    ["attack.queries.num_augmented=4", *_params('attack.queries.noise_std: "interval(1, 900)"')],
    # (an end on the other setting's bound: never drawn)
    ["attack.queries.num_augmented=4",
     *_params('attack.queries.noise_std: "interval(0, 1000)"')],
    # (no augmented queries: no bound)
    ["attack.queries.num_augmented=0",
     *_params('attack.queries.noise_std: "interval(1, 5000)"')],
    # (DP-SGD's noise below float32's precision lies only next to 0, which no trial draws)
    ["defense=dp", "defense.dp.target_epsilon=null",
     *_params('defense.dp.noise_multiplier: "interval(0, 3)"')],
    _params('train.lr: "tag(log, interval(1e-4, 1e-1))", attack.confidence: '
            '"interval(0.5, 0.99)"'),
])  # fmt: skip
def test_intervals_the_run_takes_pass(overrides) -> None:
    from mia_defense.cli.search_checks import refuse_intervals_out_of_range

    refuse_intervals_out_of_range(_compose(*overrides))  # (refused: SystemExit)
