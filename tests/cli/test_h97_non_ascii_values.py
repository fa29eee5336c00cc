"""A value with a character beyond ASCII outside quotes (a file or folder name: café.csv)
stopped Hydra with "LexerNoViableAltException: dataset.path=/data/café.csv", which does not
say that quoting it for Hydra reads it (helper h97)."""

from __future__ import annotations

import pytest

from mia_defense.cli.arguments import unquoted_non_ascii
from tests.helpers import mia_train


@pytest.mark.parametrize(("arg", "said"), [
    ("dataset.path=/data/café.csv", "('é', U+00E9) only inside quotes, and stopped on it; quote "
     "the value for Hydra: \"dataset.path='/data/café.csv'\" in a shell"),
    ("model.activation=ｒｅｌｕ", "('ｒ', U+FF52) only inside quotes"),
    ("dataset.path=a.csv,é.csv", "quote each value that holds it for Hydra (key='a value')"),
    ("+ключ=1", "a key is a name in ASCII (letters, digits, '_', '.'), and 'ключ' is none"),
])  # fmt: skip
def test_an_unquoted_character_beyond_ascii_is_named_with_the_quoting(arg, said):
    message = unquoted_non_ascii(["-m", "seed=1,2", arg])
    assert message is not None and message.startswith(f"{arg}: ")
    assert said in message


@pytest.mark.parametrize("arg", ["dataset.path='/data/café.csv'", "train.epochs=3",
                                 "dataset.path='é"])  # (unclosed: Hydra says so itself)
def test_quoted_or_ascii_values_are_left_to_hydra(arg):
    assert unquoted_non_ascii([arg]) is None


def test_mia_train_refuses_it_in_one_line_and_reads_the_quoted_form(tmp_path):
    done = mia_train("dataset=csv", "dataset.path=café.csv", "dataset.label_column=y",
                     "hydra.run.dir=run", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("ConfigError: dataset.path=café.csv: Hydra's override "
                                  "grammar reads a character beyond ASCII ('é', U+00E9)")
    assert "LexerNoViableAltException" not in done.stderr
    assert list(tmp_path.iterdir()) == []
    done = mia_train("dataset=csv", "dataset.path='café.csv'", "dataset.label_column=y",
                     "--cfg", "job", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "path: café.csv" in done.stdout
