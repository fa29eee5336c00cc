"""h601: mia-train model.hidden=['64'] (a list of text: Hydra reads a quoted item as text)
was refused as "model.hidden=['64']: must be a list of integers (... takes hidden:
Sequence[int])" without saying what to write. The refusal now names the list that builds,
as one shell word (model.hidden=[64]), where every item reads as a number; a width the
model refuses is not suggested."""

from __future__ import annotations

import pytest

from mia_defense.config import check_config
from mia_defense.errors import ConfigError


@pytest.mark.parametrize(("overrides", "key", "fix"), [
    (["model.hidden=['64']"], "model.hidden", "[64]"),
    (["model.hidden=[32,'16']"], "model.hidden", "[32,16]"),
    (["model=cnn", "model.channels=['8','16']"], "model.channels", "[8,16]"),
])
def test_a_list_of_quoted_integers_is_told_the_list_to_write(make_cfg, overrides, key, fix):
    with pytest.raises(ConfigError) as refused:
        check_config(make_cfg(*overrides))
    message = str(refused.value)
    assert "Hydra reads a quoted value as text" in message, message
    assert f"write {key}={fix}" in message, message


@pytest.mark.parametrize("hidden", ["['a']", "['0']", "['64',1.5]"])
def test_no_list_is_suggested_that_would_be_refused(make_cfg, hidden):
    with pytest.raises(ConfigError) as refused:
        check_config(make_cfg(f"model.hidden={hidden}"))
    assert "write model.hidden=" not in str(refused.value), str(refused.value)
