"""A suggested command-line setting (`constraints.override_text`) of a text that is not
printable was quoted by shlex, which keeps it raw: a CSV column named with a terminal's
escape (header 'x\\x1b[2Jz,y', every row empty) was refused by mia-train with "drop it
('dataset.drop_columns='"'"'x<ESC>[2Jz'"'"'')", the escape reaching the terminal (it cleared
it), a right-to-left override reordering the line, though the column's name was escaped
beside it. Such a setting is now `shell_word`'s $'...', which bash reads back as the same
setting; a printable one reads as before."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from mia_defense.constraints import hydra_quoted, override_text
from mia_defense.data import load_csv
from mia_defense.errors import DataError

NAMES = ["x\x1b[2Jz", "a\u202eb", "c\u00a0d", "e\u2028f", "it's \"x\"\x1b"]


@pytest.mark.parametrize("name", NAMES)
def test_a_suggested_setting_is_printable_and_reads_back(name):
    said = override_text("dataset.drop_columns", name)
    assert said.isprintable(), repr(said)
    if shutil.which("bash"):
        typed = subprocess.run(["bash", "-c", f"printf %s {said}"], capture_output=True,
                               check=True).stdout.decode()  # fmt: skip
        assert typed == f"dataset.drop_columns={hydra_quoted(name)}", (said, typed)


def test_a_list_of_names_too():
    said = override_text("dataset.drop_columns", ["a\u202eb", "plain"])
    assert said.isprintable(), repr(said)
    if shutil.which("bash"):
        typed = subprocess.run(["bash", "-c", f"printf %s {said}"], capture_output=True,
                               check=True).stdout.decode()  # fmt: skip
        assert typed == 'dataset.drop_columns=["a\u202eb",plain]', (said, typed)


def test_a_printable_setting_reads_as_before():
    assert override_text("dataset.drop_columns", "it's \"x\"") == (
        "'dataset.drop_columns='\"'\"'it\\'\"'\"'s \"x\"'\"'\"''")
    assert override_text("dataset.delimiter", ";") == "\"dataset.delimiter=';'\""


def test_the_refusal_of_an_empty_column_so_named_is_printable(tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes(b"x\x1b[2Jz,y\n,0\n,1\n,0\n")
    with pytest.raises(DataError) as caught:
        load_csv(path=str(path), label_column="y")
    said = str(caught.value)
    assert said.isprintable(), repr(said)
    # (the name spelt with escapes since h525: a setting holding the ESC itself was refused)
    assert said.endswith("""drop it ('dataset.drop_columns="x\\x1b[2Jz"') or fill it in"""), said
