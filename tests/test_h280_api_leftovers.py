"""Python-API leftovers: `mia_defense.plan.make_plan` called directly took ``seed=True`` (seed
1's plan) and failed on a float size with a raw TypeError, where `api.make_plan` and the
config refuse them."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.data.dataset import Dataset
from mia_defense.errors import ConfigError
from mia_defense.plan import make_plan


@pytest.mark.parametrize(("key", "value"), [
    ("seed", True), ("seed", 1.0), ("num_models", 4.0), ("population_size", 10.0),
    ("test_size", 5.5), ("reference_size", True),
])  # fmt: skip
def test_the_plan_refuses_what_is_no_integer(key, value):
    data = Dataset(x=np.zeros((40, 2), np.float32), y=np.arange(40) % 2, num_classes=2,
                   name="t")  # fmt: skip
    settings = {"num_models": 4, "population_size": None, "test_size": None, "seed": 0}
    with pytest.raises(ConfigError, match=rf"{key}={value!r}: must be an integer"):
        make_plan(data, **{**settings, key: value})
