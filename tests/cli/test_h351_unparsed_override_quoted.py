"""A refusal's command to type instead is pasted into a shell: it runs nothing and reads as
the words meant. An override Hydra cannot parse was offered in Hydra's quotes inside the
shell's double quotes always, so a value holding ``$(...)`` gave a suggestion that ran it
when pasted, and one holding a double quote one the shell could not read as one word; an
option between overrides was answered with the arguments joined bare."""

import shlex

import pytest

from mia_defense.cli.arguments import option_after_overrides
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


def test_the_command_to_write_after_an_option_between_overrides_runs_nothing():
    """Before: 'write mia-train --cfg job dataset=csv dataset.path=$(touch pwned)', the
    arguments joined bare (an escape code in one reached the terminal)."""
    said = option_after_overrides(["dataset=csv", "--cfg", "job", "dataset.path=$(touch pwned)",
                                   "seed=\x1b[2J"])  # fmt: skip
    assert said is not None and said.isprintable()
    assert said.endswith("write mia-train --cfg job dataset=csv 'dataset.path=$(touch pwned)' "
                         "$'seed=\\x1b[2J'")
