"""Number settings reaching the data loaders, the model builders and the canaries: each is read
by the one reader of its rule (`mia_defense.constraints.as_integer`/`as_fraction`), a
ConfigError naming the setting, never a raw Python, numpy or torch error, nor a bool read as
1 or a float cut to an integer."""

from __future__ import annotations

import pytest

from mia_defense.constraints import as_fraction, as_integer, show
from mia_defense.errors import ConfigError

HUGE = 10**5000  # more digits than Python writes out: repr() raises ValueError


def test_the_readers_refuse_an_integer_too_long_to_write_naming_its_size():
    with pytest.raises(ConfigError, match=r"^dataset\.seed=<an integer of about 5001 digits>: "
                                          r"must be an integer in \[0, 10\]$"):
        as_integer(HUGE, key="dataset.seed", low=0, high=10)
    with pytest.raises(ConfigError, match=r"^q=<an integer of about 5001 digits>: must be a "
                                          r"number in \(0, 1\)$"):
        as_fraction(HUGE, key="q")
    assert show(HUGE) == "<an integer of about 5001 digits>"
    assert show(10**400) == str(10**400)  # written out where Python can
