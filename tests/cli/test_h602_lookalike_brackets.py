"""mia-train 'defense=［dp,mixup］' (full-width brackets, U+FF3B/U+FF3D, as an East Asian
keyboard types them; or a full-width comma, U+FF0C) was given the generic quoting advice,
"quote each value that holds it for Hydra (key='a value')", which makes it a text Hydra
then refuses. As for a look-alike letter (ca21f9d6), the refusal names the character, its
place in the value and the override to type in ASCII (`override_checks._lookalike_marks`)."""

from __future__ import annotations

import shlex

import pytest

from mia_defense.override_checks import parsed_override, unquoted_non_ascii
from tests.helpers import refusal_line


def test_mia_train_names_a_full_width_bracket(tmp_path):
    line = refusal_line("defense=\uff3bdp,mixup\uff3d", cwd=tmp_path)
    assert line == ("ConfigError: defense=\uff3bdp,mixup\uff3d: the value's character 1, "
                    "'\uff3b' (U+FF3B FULLWIDTH LEFT SQUARE BRACKET) is not the ASCII '[' it "
                    "looks like (likewise character 10 '\uff3d'); type it in ASCII: "
                    "'defense=[dp,mixup]'")


@pytest.mark.parametrize(("arg", "place", "typed"), [
    ("defense=[dp\uff0cmixup]", "character 4, '\uff0c' (U+FF0C FULLWIDTH COMMA) is not the "
     "ASCII ','", "'defense=[dp,mixup]'"),
    ("defense=dp\uff0cmixup", "character 3, '\uff0c'", "defense=dp,mixup"),  # (a sweep's)
    ("attack.fprs=\uff3b0.1,0.01\uff3d", "character 1, '\uff3b'",
     "'attack.fprs=[0.1,0.01]'"),
    ("dataset.drop_columns=\uff3bid,note\uff3d", "character 1, '\uff3b'",
     "'dataset.drop_columns=[id,note]'"),
    ("defense=choice\uff08dp,mixup\uff09", "character 7, '\uff08' (U+FF08 FULLWIDTH LEFT "
     "PARENTHESIS) is not the ASCII '('", "'defense=choice(dp,mixup)'"),
    ("+dataset.sizes=\uff5ba: 1\uff5d", "character 1, '\uff5b'", "'+dataset.sizes={a: 1}'"),
])  # fmt: skip
def test_the_place_and_the_ascii_to_type(arg, place, typed):
    said = unquoted_non_ascii([arg])
    assert said is not None and said.startswith(f"{arg}: the value's {place}"), said
    assert said.endswith(f"; type it in ASCII: {typed}")
    assert parsed_override(shlex.split(typed)[0]) is not None  # (pasted, Hydra reads it)


def test_every_other_one_is_counted():
    said = unquoted_non_ascii(["attack.fprs=\uff3b0.1\uff0c0.01\uff0c0.001\uff0c0\uff3d"])
    assert said is not None
    assert "(likewise characters 5 '\uff0c', 10 '\uff0c', 16 '\uff0c' and 1 more)" in said


@pytest.mark.parametrize("arg", ["dataset.label_column=a\uff0c\u00fc",  # (no look-alike: ü)
                                 "defense=\uff3bdp,mixup"])  # (open once typed in ASCII)
def test_a_value_not_fixed_by_typing_it_in_ascii_is_offered_quoted_as_before(arg):
    said = unquoted_non_ascii([arg])
    assert said is not None and "type it in ASCII" not in said
    assert "quote" in said
