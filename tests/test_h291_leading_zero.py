"""``seed=01`` (Hydra reads a number with a leading zero as text) was refused as 'it is the
string '01', as quotes or an environment variable give it ...: drop the quotes', quotes the
user never wrote; it says now how Hydra read it and the number to write (helper h291)."""

from __future__ import annotations

import pytest

from mia_defense.config import check_config
from mia_defense.errors import ConfigError


@pytest.mark.parametrize(("override", "said"), [
    ("seed=01", "seed='01': must be an integer >= 0 (the one seed of the run, e.g. seed=0); "
                "it is the string '01': Hydra reads a number written with a leading zero as "
                "text: write 1"),
    ("train.epochs=007", "train.epochs='007': must be an integer >= 1; it is the string "
                         "'007': Hydra reads a number written with a leading zero as text: "
                         "write 7"),
])  # fmt: skip
def test_a_leading_zero_is_said_to_make_text(make_cfg, override, said):
    with pytest.raises(ConfigError) as refused:
        check_config(make_cfg(override))
    assert said in str(refused.value)
    assert "quotes" not in str(refused.value)
