"""A user's dataset function (``dataset._target_``) that returns no `Dataset`."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.cli.build import build_experiment
from mia_defense.errors import ConfigError


def arrays_only():
    rng = np.random.default_rng(0)
    return rng.normal(size=(40, 4)).astype(np.float32), np.arange(40) % 3


def nothing():
    return None


@pytest.mark.parametrize(("name", "kind"), [("arrays_only", "tuple"), ("nothing", "NoneType")])
def test_a_dataset_function_returning_no_dataset_is_refused_by_key(make_cfg, name, kind):
    # an AttributeError traceback ('tuple' object has no attribute 'x'), exit 1
    cfg = make_cfg(f"dataset._target_=tests.test_red_api_h73_dataset.{name}",
                   "~dataset.standardize")
    with pytest.raises(ConfigError, match=rf"dataset._target_=tests.test_red_api_h73_dataset."
                       rf"{name} returned {kind}, not a mia_defense.data.Dataset; return "
                       r"Dataset\(x="):
        build_experiment(cfg)
