"""Review: an integer beyond a float given for a float setting of a _target_ is named."""

from __future__ import annotations

import pytest

from mia_defense.config import check_config
from mia_defense.errors import ConfigError


@pytest.mark.parametrize("override", [
    "defense.early_stopping.min_delta=" + "1" + "0" * 400,
    "defense.early_stopping.min_delta=-" + "1" + "0" * 400,
])  # fmt: skip
def test_an_int_beyond_a_float_for_a_float_setting_is_a_config_error(make_cfg, override):
    # the config check rehearsed EarlyStopping(min_delta=10**400), whose float(min_delta)
    # raised OverflowError: a traceback from mia-train, not the one-line message
    with pytest.raises(ConfigError, match=r"defense.early_stopping.min_delta=-?10+: too large "
                       r"for a float \(at most about 1.8e308\)"):  # fmt: skip
        check_config(make_cfg("defense=early_stopping", override))


def test_large_ints_that_fit_a_float_still_pass(make_cfg):
    check_config(make_cfg("defense=early_stopping", "defense.early_stopping.min_delta=0"))
