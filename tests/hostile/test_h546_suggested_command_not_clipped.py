"""A sweep's refusal suggests commands to run (``mia-train -m defense=dp KEY=V ...``), and
`constraints.keys_shown`, meant for long keys only named, clipped any run of more than
`KEY_LIMIT` word characters in it: ``mia-train -m defense=dp,none
defense.dp.target_epsilon=<200 digits>`` and ``... hydra.sweep.dir=/tmp/<100 x>/r`` were told
to run a command holding ``111…(200 characters)`` or ``/tmp/xxx… (100 characters)/r``, which
no longer ran when pasted. A run after a word's '=' (a value, a path) stays whole now; a long
key is still clipped."""

from __future__ import annotations

import shlex

import pytest
from hydra.errors import ConfigCompositionException

from mia_defense.constraints import KEY_LIMIT, keys_shown
from mia_defense.hydra_setup import setup_hydra
from tests.helpers import composition_refused

setup_hydra()  # (as the tools compose: Hydra's loader guarded)

DIGITS = "1" * 200
FOLDER = "/tmp/" + "x" * 100 + "/r"


def _commands(said: str) -> list[list[str]]:
    """The commands a refusal suggests, as the shell splits them."""
    tail = said.partition("compares them all): ")[2]
    return [shlex.split(command) for command in tail.split(", then ")]


@pytest.mark.parametrize(("settings", "whole"), [
    ([f"defense.dp.target_epsilon={DIGITS}"], f"defense.dp.target_epsilon={DIGITS}"),
    (["defense.dp.target_epsilon=1", f"hydra.sweep.dir={FOLDER}"], f"hydra.sweep.dir={FOLDER}"),
])  # fmt: skip
def test_a_sweeps_suggested_commands_keep_a_long_value_whole(settings, whole):
    overrides = ["defense=dp,none", *settings]
    refused = composition_refused(overrides, multirun=True)
    assert isinstance(refused, ConfigCompositionException), refused
    said = str(refused)
    assert "…" not in said, said
    first, second = _commands(said)
    assert first[:3] == ["mia-train", "-m", "defense=dp"] and whole in first, first
    assert second[:3] == ["mia-train", "-m", "defense=none"], second
    assert (whole in second) == whole.startswith("hydra."), second


def test_a_long_key_only_named_is_still_clipped():
    key = "attack." + "x" * 200
    shown = keys_shown(f"Could not override '{key}': attack has no key; {key}=1,2 and +{key}")
    assert "x" * (KEY_LIMIT + 1) not in shown and shown.count("(207 characters)") == 3, shown


@pytest.mark.parametrize("text", [
    f"mia-train -m defense=dp defense.dp.target_epsilon={DIGITS}",
    f"write '++defense.dp.target_epsilon={DIGITS}'",
    f"hydra.sweep.dir={FOLDER} \"dataset.drop_columns='{'y' * 90}'\"",
    f"dataset.drop_columns=[a,{'z' * 90}]",
])  # fmt: skip
def test_a_value_after_its_words_equals_sign_is_kept_whole(text):
    assert keys_shown(text) == text


def test_a_long_key_in_a_suggested_command_is_said_as_key_not_clipped():
    # was 'mia-train -m defense=dp defense.dp.xxx… (111 characters)=1 ...': runnable-looking,
    # and naming another key (a key of dp's so long is misspelt, named so since h551: a long
    # key of Hydra's, an environment variable of each run, goes into both commands)
    key = "hydra.job.env_set." + "x" * 100
    refused = composition_refused(["defense=dp,none", "defense.dp.target_epsilon=1", f"{key}=1"],
                                  multirun=True)  # fmt: skip
    said = str(refused)
    first, second = _commands(said.rpartition(" (write for KEY")[0])
    assert first == ["mia-train", "-m", "defense=dp", "defense.dp.target_epsilon=1", "KEY=1",
                     "hydra.sweep.dir=multirun/defense"], first  # fmt: skip
    assert second == ["mia-train", "-m", "defense=none", "KEY=1",
                      "hydra.sweep.dir=multirun/defense"], second  # fmt: skip
    assert said.endswith(f" (write for KEY the key you typed, {keys_shown(key)})"), said
