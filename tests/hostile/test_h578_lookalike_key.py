"""``mia-train 'trаin.lr=0.1'`` (a Cyrillic 'а' U+0430 in train) was refused as "a key is a
name in ASCII ..., and 'trаin.lr' is none": a terminal shows 'trаin.lr' as train.lr, so the
words named no difference the user could see. The refusal names the character (its code
point and Unicode name) and the ASCII spelling to type where each character has a Latin
look-alike (Cyrillic, Greek, a full-width letter)."""

import shlex

import pytest

from mia_defense.override_checks import parsed_override, unquoted_non_ascii


@pytest.mark.parametrize(("arg", "char", "typed"), [
    ("tr\u0430in.lr=0.1", "'\u0430' (U+0430 CYRILLIC SMALL LETTER A)", "train.lr=0.1"),
    ("s\u0435\u0435d=1", "'\u0435' (U+0435 CYRILLIC SMALL LETTER IE)", "seed=1"),
    ("m\u03bfdel=cnn", "'\u03bf' (U+03BF GREEK SMALL LETTER OMICRON)", "model=cnn"),
    ("+\uff54rain.lr=0.1", "'\uff54' (U+FF54 FULLWIDTH LATIN SMALL LETTER T)", "+train.lr=0.1"),
    ("~tr\u0430in", "'\u0430' (U+0430 CYRILLIC SMALL LETTER A)", "'~train'"),
    ("tr\u0430in.lr=[0.1,0.2]", "'\u0430' (U+0430 CYRILLIC SMALL LETTER A)",
     "'train.lr=[0.1,0.2]'"),
])
def test_a_lookalike_key_names_its_character_and_the_ascii_to_type(arg, char, typed):
    said = unquoted_non_ascii(["seed=1", arg])
    assert said is not None and said.startswith(f"{arg}: ")
    assert f"{char} is not the ASCII letter it looks like" in said
    assert said.endswith(f"type it in ASCII: {typed}")
    assert parsed_override(shlex.split(typed)[0]) is not None  # (pasted, Hydra reads it)


def test_a_key_with_no_ascii_lookalike_is_named_as_before():
    said = unquoted_non_ascii(["+ключ=1"])
    assert said is not None
    assert "a key is a name in ASCII (letters, digits, '_', '.'), and 'ключ' is none" in said
    assert "'к' (U+043A CYRILLIC SMALL LETTER KA)" in said
    assert "type it in ASCII" not in said


def test_an_invisible_character_in_a_key_is_named_and_left_out():
    said = unquoted_non_ascii(["train\u200b.lr=0.1"])
    assert said is not None and said.startswith("$'train\\u200b.lr=0.1': ")
    assert said.endswith("'\\u200b' (U+200B ZERO WIDTH SPACE) is a character a terminal does "
                         "not show; type it in ASCII: train.lr=0.1")


@pytest.mark.parametrize(("arg", "typed"), [("defense=d\u0440", "defense=dp"),
                                            ("+model=\u0441nn", "+model=cnn")])
def test_a_lookalike_config_name_is_named_with_the_ascii_to_type(arg, typed):
    """Offered quoted before ("defense='dр'"), then refused as no option, with no word of
    the Cyrillic letter."""
    said = unquoted_non_ascii([arg])
    assert said is not None and said.startswith(f"{arg}: ")
    assert "is not the ASCII letter it looks like" in said
    assert said.endswith(f"type it in ASCII: {typed}")


def test_a_value_beyond_ascii_that_is_no_config_name_is_offered_quoted():
    said = unquoted_non_ascii(["dataset.path=/data/caf\u00e9.csv"])
    assert said is not None and "quote the value for Hydra" in said
