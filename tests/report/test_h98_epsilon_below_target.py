"""A DP run's ε lowered by hand (8 to 0.5, with per_model and the headline's copy to match)
passed mia-report and mia-attack as a guarantee of the lower ε, though its config's
target_epsilon calibrated the noise to spend 8: the accountant's search ends within 0.01
below the target. Both now refuse it, naming the key."""

import pytest

from mia_defense.attack_source import read_source
from mia_defense.errors import DataError
from mia_defense.report import load_runs
from tests.report.fake_runs import make_run

SAID = ("privacy.epsilon is 0.5, but config.defense.dp.target_epsilon, which calibrated the "
        "noise to spend it, is 8 (the accountant's search ends within 0.01 below it)")


def _dp_run(run, epsilon, **dp):
    make_run(run, test_accuracy=0.8, signal=0.3, defense="dp", epsilon=epsilon,
             chance_accuracy=0.1, defense_hparams={"dp.target_epsilon": 8.0, **dp})  # fmt: skip


def test_an_epsilon_below_its_target_is_refused_by_both_tools(tmp_path):
    run = tmp_path / "run"
    _dp_run(run, 0.5)
    assert dict(load_runs([run]).skipped)[run].startswith(SAID)
    with pytest.raises(DataError, match=SAID.replace("(", r"\(").replace(")", r"\)")):
        read_source(run)


@pytest.mark.parametrize(("epsilon", "dp"), [
    (7.995, {}),  # within the search's tolerance
    (0.5, {"dp.noise_multiplier": 2.0}),  # σ given: the target does not calibrate it
])  # fmt: skip
def test_an_epsilon_the_config_allows_is_ranked(tmp_path, epsilon, dp):
    run = tmp_path / "run"
    _dp_run(run, epsilon, **dp)
    assert [r.name for r in load_runs([run]).runs] == ["run"]
