"""An override Hydra cannot parse is refused with the override to type instead, in Hydra's
quotes inside the shell's: the shell's were always double quotes, so a value holding
``$(...)`` gave a suggestion that ran it when pasted, and one holding a double quote a
suggestion the shell could not read as one word."""

import shlex

import pytest

from mia_defense.cli.entry import _unparsed_override_line


@pytest.mark.parametrize(("override", "suggested"), [
    ("dataset.path=$(touch pwned)[", """'dataset.path="$(touch pwned)["'"""),
    ('dataset.path=a"b[', """'dataset.path="a\\"b["'"""),
    ("train.lr=[1", """"train.lr='[1'\""""),
])
def test_the_suggested_override_is_one_shell_word_the_shell_leaves_alone(override, suggested):
    said = _unparsed_override_line(override, "no viable alternative at input")
    assert f"inside the shell's: {suggested} (the grammar" in said
    assert len(shlex.split(suggested)) == 1
