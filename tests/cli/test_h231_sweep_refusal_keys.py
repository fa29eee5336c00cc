"""307329a refused a grid sweep up front when every point was refused and the first refusal
named a key the sweep does not vary, read from the message's text: any 'word=' in it, so a
swept value holding '=' ('dataset.path=/data/x=1.npz', each point refused for its own
missing file) was taken for a fixed setting, and the sweep refused with 'Fix the setting the
refusal names'. The decision now reads `ConfigError.keys` (the key or node of each problem
check_config lists) and, where a refusal has none, checks the point's settings without the
swept ones."""

from __future__ import annotations

import logging

import pytest

from mia_defense.config import check_config
from mia_defense.errors import ConfigError
from tests.cli.test_h228_sweep_refused_everywhere import TINY, _check


@pytest.mark.parametrize(("overrides", "keys"), [
    (("defense=dp", "defense.dp.noise_multiplier=0.5"), ("defense.dp",)),  # its constructor's
    (("train.lr=-1",), ("train.lr",)),
    (("train.lr=-1", "train.epochs=0"), ("train.epochs", "train.lr")),
    (("+train.foo=1",), ("train.foo",)),
    (("release=topk", "release.k=50"), None),  # (against the dataset's classes: no one key)
])  # fmt: skip
def test_check_config_says_which_keys_it_refuses(make_cfg, overrides, keys):
    with pytest.raises(ConfigError) as refused:
        check_config(make_cfg(*overrides))
    assert refused.value.keys == keys


def test_a_swept_value_holding_an_equals_sign_is_no_fixed_setting(caplog):
    with caplog.at_level(logging.ERROR):
        _check(*TINY, "dataset=npz", swept=("dataset.path='/nope/x=1.npz','/nope/y=2.npz'",))
    assert "every point of this sweep" not in caplog.text  # (each point names its own file)


def test_a_fixed_setting_refused_after_the_config_check_still_refuses_the_sweep(caplog):
    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit):
        _check(*TINY, "model=cnn", swept=("train.lr=0.1,0.01",))  # (check_defense_stack's)
    assert "model=cnn needs images" in caplog.text
    assert "every point of this sweep would be refused so (2 of 2" in caplog.text


def test_a_swept_model_unfit_at_every_point_is_left_to_the_points():
    _check(*TINY, swept=("model=cnn,resnet",))  # (each point refused for its own model)
