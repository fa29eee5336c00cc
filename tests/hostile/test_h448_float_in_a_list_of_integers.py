"""h448: mia-train model.hidden=[1e9] (or [64,1e2], model.channels=[8.0]) was refused as
'model.hidden=[1000000000.0]: must be a list of integers' without saying why 1e9 was no
integer, where model.hidden=1e9 for a CNN's one width said how Hydra read it and what to
write. A list of integers and whole floats now gets the same hint, the list to write as one
shell word."""

from __future__ import annotations

import pytest

from mia_defense.config import check_config
from mia_defense.constraints import whole_float_hint
from mia_defense.errors import ConfigError
from tests.helpers import refused_before_run_dir

_SAID = ("Hydra read {read} as a float (a number with a point or an exponent, as 1e1 or "
         "10.0, is a float; an integer is digits alone): write {key}={fix}")


@pytest.mark.parametrize(("overrides", "key", "read", "fix"), [
    (["model.hidden=[1e9]"], "model.hidden", "1000000000.0", "[1000000000]"),
    (["model.hidden=[64,1e2]"], "model.hidden", "100.0", "[64,100]"),
    (["model=cnn", "model.channels=[8.0,16]"], "model.channels", "8.0", "[8,16]"),
])
def test_a_whole_float_in_a_list_of_integers_is_said(make_cfg, overrides, key, read, fix):
    with pytest.raises(ConfigError) as refused:
        check_config(make_cfg(*overrides))
    assert _SAID.format(read=read, key=key, fix=fix) in str(refused.value)


@pytest.mark.parametrize("value", [[64, 1.5], ["a", 1.0], [True, 2.0], [], 3, [float("inf")]])
def test_no_hint_where_no_list_of_integers_was_meant(value):
    assert whole_float_hint("model.hidden", value, listed=True) == ""


def test_a_list_given_to_one_integer_gets_no_list_hint():
    assert whole_float_hint("model.depth", [8.0]) == ""
    assert whole_float_hint("model.depth", 8.0).endswith("write model.depth=8")


def test_mia_train_says_it_before_the_run_folder(tmp_path):
    stderr = refused_before_run_dir("model.hidden=[1e9]", "plan.num_models=2",
                                    "train.epochs=1", cwd=tmp_path)
    assert _SAID.format(read="1000000000.0", key="model.hidden", fix="[1000000000]") in stderr
    assert "Traceback" not in stderr
