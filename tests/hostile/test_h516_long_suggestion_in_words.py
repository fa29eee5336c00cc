"""The refusal of a value beyond ASCII outside quotes (`override_checks.unquoted_non_ascii`)
suggests the quoted override; 92a29739 cut a long one with `constraints.clipped`, which left
a command no one can copy: mia-train "train.lr=$(printf 'é%.0s' {1..1500})" ended "quote
the value for Hydra: \\"train.lr='éé…… (1513 characters) in a shell", its quotes
unbalanced. Past the clip the command is dropped and the refusal says what to do in words;
nothing it offers to copy is cut."""

from __future__ import annotations

import pytest

from mia_defense.override_checks import unquoted_non_ascii
from tests.helpers import refused_before_run_dir

LONG = 1500


def test_mia_train_says_a_long_suggestion_in_words(tmp_path):
    line = refused_before_run_dir("train.lr=" + "é" * LONG, cwd=tmp_path).strip()
    line = line.splitlines()[-1]
    assert line.endswith("quote the value for Hydra (train.lr='the value') and that whole "
                         f"override for the shell (the command, {LONG + 13} characters, is too "
                         "long to say here)"), line[-300:]  # fmt: skip
    assert "quote the value for Hydra: " not in line, line[-300:]
    assert len(line) < 700, len(line)


@pytest.mark.parametrize("shell", [True, False])
def test_no_suggestion_is_cut(shell):
    for size in (150, 186, 187, 188, 189, 190, 300, LONG):
        said = unquoted_non_ascii(["train.lr=" + "é" * size], shell=shell)
        assert said is not None
        how = said.partition("stopped on it; ")[2]
        assert "…" not in how, (size, how)
        if "é" in how:  # said whole: the override itself, its quotes balanced
            override = how.removeprefix("quote the value for Hydra: ").removesuffix(" in a shell")
            whole = f"train.lr='{'é' * size}'"
            assert override == (f'"{whole}"' if shell else whole), (size, how)
        else:
            assert how.startswith("quote the value for Hydra (train.lr='the value')"), how


def test_the_api_form_says_it_in_words_too():
    said = unquoted_non_ascii(["train.lr=" + "é" * LONG], shell=False)
    assert said is not None
    assert said.endswith("quote the value for Hydra (train.lr='the value') (the override, "
                         f"{LONG + 11} characters, is too long to say here)"), said[-300:]
