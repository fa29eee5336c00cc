"""An Optuna search every value of which the run's config check refuses was refused as if
one value alone were ('defense.dp.noise_multiplier: interval(0.5, 3.0)' beside DP-SGD's
target_epsilon=8: 'the interval draws 0.5025, which the run's config check refuses (...);
... Keep its values within it'), though no value passes and no bound of the interval is the
fix. Where the check refuses every point checked (both ends of an interval or range, every
value of a choice) the refusal says so, with the fix the check's refusal points at (set
defense.dp.target_epsilon=null); where it refuses some points only, today's wording."""

from __future__ import annotations

import logging

import pytest

from tests.cli.test_h228_search_points_out_of_range import _compose, _params


@pytest.mark.parametrize(("overrides", "said", "fix"), [
    (["defense=dp", *_params('defense.dp.noise_multiplier: "interval(0.5, 3.0)"')],
     "defense.dp.noise_multiplier: interval(0.5, 3.0): every value the search draws is "
     "refused: the run's config check refuses the interval at 0.5025 and 2.9975 alike "
     "(defense.dp.noise_multiplier=0.5025, defense.dp.target_epsilon=8.0: set exactly one of "
     "them (the other to null)); nothing was run.",
     "Set defense.dp.target_epsilon=null"),
    (["defense=dp", *_params('defense.dp.noise_multiplier: "choice(0.5, 1, 2)"')],
     "choice(0.5, 1, 2): every value the search draws is refused: the run's config check "
     "refuses the choice at 0.5, 1 and 2 alike", "Set defense.dp.target_epsilon=null"),
    (["defense=dp", "defense.dp.noise_multiplier=1.0",
      *_params('defense.dp.target_epsilon: "interval(1, 10)"')],
     "interval(1, 10): every value the search draws is refused",
     "Set defense.dp.noise_multiplier=null"),
    (["plan.num_models=2", *_params('attack.num_targets: "range(3, 6)"')],
     "range(3, 6): every value the search draws is refused: the run's config check refuses "
     "the range at 3, 4 and 6 alike (attack.num_targets=3: must lie in [1, 2]",
     "Give attack.num_targets values the run's config check takes"),
])  # fmt: skip
def test_every_value_refused_is_said_so_with_the_fix(caplog, overrides, said, fix) -> None:
    from mia_defense.cli.search_checks import refuse_intervals_out_of_range

    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) as exc:
        refuse_intervals_out_of_range(_compose(*overrides))
    assert exc.value.code == 2
    assert said in caplog.text
    assert fix in caplog.text
    assert "Keep its values within it" not in caplog.text


@pytest.mark.parametrize(("overrides", "said"), [
    # (a middle value of a choice passes: its least and greatest alone are refused)
    (["defense=dp", "defense.dp.target_epsilon=null",
      *_params('model.dropout: "choice(fast, 0.1, slow)"')],
     "the choice draws 'fast', which the run's config check refuses"),
    (["plan.num_models=2", *_params('attack.num_targets: "choice(1, 4)"')],
     "the choice draws 4, which the run's config check refuses"),
])  # fmt: skip
def test_some_values_refused_keep_the_one_value_wording(caplog, overrides, said) -> None:
    from mia_defense.cli.search_checks import refuse_intervals_out_of_range

    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) as exc:
        refuse_intervals_out_of_range(_compose(*overrides))
    assert exc.value.code == 2
    assert said in caplog.text
    assert "Keep its values within it" in caplog.text
    assert "every value" not in caplog.text
