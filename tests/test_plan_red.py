"""Red-team checks of the plan, the canaries and the verdict against hostile sizes."""

from __future__ import annotations

import pytest

from mia_defense.data import load_digits
from mia_defense.errors import ConfigError
from mia_defense.pipeline.data import prepare_data
from mia_defense.pipeline.spec import Experiment, PlanConfig


@pytest.fixture(scope="module")
def digits():
    return load_digits()


def test_canaries_outnumbering_a_population_the_splits_leave_are_refused(digits):
    # plan.test_size=1700 leaves 97 records: check_config cannot see it (population null),
    # and 90 balanced canaries then trained every model mostly on mislabeled copies
    experiment = Experiment(
        dataset=digits, build_model=None, train=None, attacks={},  # type: ignore[arg-type]
        plan=PlanConfig(num_models=2, population_size=None, test_size=1700), num_canaries=90,
    )  # fmt: skip
    with pytest.raises(ConfigError, match=r"^attack\.canaries\.num=90: more than half of the "
                                          r"population's 97 records.*at most 48"):
        prepare_data(experiment)
