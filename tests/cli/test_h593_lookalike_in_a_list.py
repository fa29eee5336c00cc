"""mia-train 'defense=[dр,mixup]' (a Cyrillic р, U+0440, in a list of configs) was given the
generic quoting advice, "quote each value that holds it for Hydra (key='a value')", which
Hydra then refuses as no config of defense: a terminal shows 'dр' as dp. As for a plain value
(7df4d141), the refusal names the look-alike character, its place (which value of the list,
which character of it) and the override to type in ASCII; a full-width digit in a number
too (`override_checks.unquoted_non_ascii`)."""

from __future__ import annotations

import shlex

import pytest

from mia_defense.override_checks import parsed_override, unquoted_non_ascii
from tests.helpers import refusal_line

_ER = "'\u0440' (U+0440 CYRILLIC SMALL LETTER ER) is not the ASCII letter it looks like"


def test_mia_train_names_the_lookalike_in_a_list_of_configs(tmp_path):
    line = refusal_line("defense=[d\u0440,mixup]", cwd=tmp_path)
    assert line == (f"ConfigError: defense=[d\u0440,mixup]: value 1 of 2, 'd\u0440' (defense "
                    f"has no config 'd\u0440'): its character 2, {_ER}; type it in ASCII: "
                    "'defense=[dp,mixup]'")


@pytest.mark.parametrize(("arg", "place", "typed"), [
    ("defense=mixup,d\u0440", "value 2 of 2, 'd\u0440' (defense has no config 'd\u0440'): "
     "its character 2", "defense=mixup,dp"),  # (a sweep's values)
    ("~defense=[d\u0440]", "value 1 of 1, 'd\u0440' (defense has no config 'd\u0440'): its "
     "character 2", "'~defense=[dp]'"),
    ("attack.fprs=[0.1,0.0\uff11]", "value 2 of 2, '0.0\uff11': its character 4",
     "'attack.fprs=[0.1,0.01]'"),
    ("train.lr=\uff10.1", "'\uff10.1': its character 1", "train.lr=0.1"),  # (a plain one)
    ("defense=choice(d\u0440,mixup)", "value 1 of 2, 'd\u0440' (defense has no config "
     "'d\u0440'): its character 2", "'defense=choice(dp,mixup)'"),
])  # fmt: skip
def test_the_place_and_the_ascii_to_type(arg, place, typed):
    said = unquoted_non_ascii([arg])
    assert said is not None and said.startswith(f"{arg}: {place}, "), said
    assert "is not the ASCII" in said
    assert said.endswith(f"; type it in ASCII: {typed}")
    assert parsed_override(shlex.split(typed)[0]) is not None  # (pasted, Hydra reads it)


@pytest.mark.parametrize("arg", ["defense=[d\u0440,m\u00fcx]",  # (no look-alike: ü)
                                 "dataset.drop_columns=[n\u0430me,b]"])  # (a column's name)
def test_a_value_that_may_be_meant_so_is_offered_quoted_as_before(arg):
    said = unquoted_non_ascii([arg])
    assert said is not None and "quote each value that holds it for Hydra" in said
