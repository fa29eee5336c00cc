"""An override of 100,000 characters was said whole in two places: the warning of a key given
twice (``train.lr=1 train.lr=<100,000 x>``: a line of 300,000 characters, the value three
times) and Hydra's own "Could not append to config" (``+hydra.run.dir=<100,000 x>``: 200,000
characters, the override twice). Each is cut as the other refusals cut a long value."""

import pytest
from hydra.errors import ConfigCompositionException

from mia_defense.cli.entry import refusal_line
from mia_defense.override_checks import repeated_keys

LONG = "x" * 100_000


def test_a_long_value_given_twice_is_warned_of_in_a_short_line():
    (said,) = repeated_keys(["train.lr=1", f"train.lr={LONG}"])
    assert len(said) < 1000
    assert said.startswith("train.lr=1 train.lr=xxx")
    assert "(100009 characters)" in said and "(100002 characters)" in said
    assert said.endswith("Give train.lr once to silence this")


def test_a_short_value_given_twice_is_said_whole_as_before():
    (said,) = repeated_keys(["train.lr=1e-3", "train.lr=1e-2"])
    assert said == ("train.lr=1e-3 train.lr=1e-2: train.lr is given 2 times on the command line "
                    "(0.001, then 0.01); Hydra keeps the last, so the run uses train.lr=0.01. "
                    "Give train.lr once to silence this")


@pytest.mark.parametrize("key", ["hydra.run.dir", "train.lr"])
def test_hydras_words_on_a_long_override_are_cut(key):
    exc = ConfigCompositionException(
        f"Could not append to config. An item is already at '{key}'; either remove + prefix: "
        f"'{key}={LONG}'; or add a second + to add or override '{key}': '++{key}={LONG}'")
    said = refusal_line(exc)
    assert len(said) < 1000
    assert f"An item is already at '{key}'" in said and "characters)" in said


def test_hydras_words_on_a_short_override_are_whole():
    exc = ConfigCompositionException(
        "Could not append to config. An item is already at 'seed'; either remove + prefix: "
        "'seed=1'; or add a second + to add or override 'seed': '++seed=1'")
    assert refusal_line(exc).endswith("'seed=1'; or add a second + to add or override 'seed': "
                                      "'++seed=1'")
