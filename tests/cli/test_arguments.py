"""Command-line arguments refused before Hydra reads them (`mia_defense.cli.arguments`)."""

from __future__ import annotations

import pytest

from mia_defense.cli.arguments import refuse_unexpanded_home, unexpanded_home


def test_a_tilde_after_key_equals_is_named_with_the_fix(capsys):
    # bash leaves '~' alone after 'dataset.path=' (no assignment word); Hydra's lexer then
    # stopped with LexerNoViableAltException
    args = ["dataset=csv", "dataset.path=~/data/x.csv"]
    assert unexpanded_home(args) == "dataset.path=~/data/x.csv"
    with pytest.raises(SystemExit) as stopped:
        refuse_unexpanded_home(args)
    assert stopped.value.code == 2
    said = capsys.readouterr().err
    assert "dataset.path=$HOME/data/x.csv" in said and "expands '~' only" in said


@pytest.mark.parametrize("arg", ['dataset.path="~/x.csv"', "dataset.path=/home/x.csv",
                                 "--cfg", "seed=1", "dataset.path=a~b"])
def test_values_hydra_reads_pass(arg):
    assert unexpanded_home([arg]) is None

