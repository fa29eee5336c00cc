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


def test_a_first_name_like_no_group_or_key_is_refused_in_words(capsys):
    # Hydra's "Could not override 'run_nam'. To append to your config use +run_nam=1", and
    # +run_nam=1 was then refused as an unknown top-level key
    from mia_defense.cli.arguments import refuse_misspelt_keys

    with pytest.raises(SystemExit) as stopped:
        refuse_misspelt_keys(["run_nam=1"])
    assert stopped.value.code == 2
    assert capsys.readouterr().err == (
        "ConfigError: run_nam=1: no config group or key 'run_nam' (Key 'run_nam' is not in "
        "struct); none is named alike (groups: the folders of conf/; keys: mia-train --cfg "
        "job)\n")
