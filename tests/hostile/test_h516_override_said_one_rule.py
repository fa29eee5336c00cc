"""An override quoted in a refusal had three rules where it holds a character that is not
printable: `override_checks._said` wrote it inline (``train.lr=0.1\\u202e``; U+00A0 as
``\\xa0``, as it wrote the byte 0xa0 that is no UTF-8, so two overrides read alike; a typed
backslash as one, so ``a\\x1b`` typed read as an escape), `control_character` as Python's
repr (``'train.lr=0.1\\x1b[2J'``; a byte as ``\\udcff``), and `shown_path` a path as the
shell's ``$'...'``. An override is now said as `shown_path` says a path: as typed where
printable, else the shell word that types it, which bash reads back as the override."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from mia_defense.override_checks import control_character, unquoted_non_ascii


def _start(said: str | None) -> str:
    assert said is not None
    return said.partition(": ")[0]


def test_a_control_character_is_said_as_the_shell_types_it():
    said = control_character(["train.lr=0.1\x1b[2J"])
    assert _start(said) == "$'train.lr=0.1\\x1b[2J'", said


def test_a_no_break_space_and_the_byte_a0_read_apart():
    nbsp = _start(unquoted_non_ascii(["dataset.path=/d/a\u00a0b.csv"]))
    byte = _start(unquoted_non_ascii(["dataset.path=/d/a\udca0b.csv"]))
    assert nbsp == "$'dataset.path=/d/a\\u00a0b.csv'", nbsp
    assert byte == "$'dataset.path=/d/a\\xa0b.csv'", byte


def test_a_typed_backslash_reads_apart_from_an_escape():
    typed = _start(unquoted_non_ascii(["dataset.path=/d/a\\x1b\u202eb.csv"]))
    assert typed == "$'dataset.path=/d/a\\\\x1b\\u202eb.csv'", typed


def test_a_byte_beside_a_control_character_is_its_escape():
    said = _start(control_character(["dataset.path=/d/a\udcff\nb.csv"]))
    assert said == "$'dataset.path=/d/a\\xff\\x0ab.csv'", said


def test_a_printable_override_is_said_as_typed():
    said = _start(unquoted_non_ascii(["dataset.path=/data/café.csv"]))
    assert said == "dataset.path=/data/café.csv", said


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
@pytest.mark.parametrize("arg", ["dataset.path=/d/a\u00a0b.csv", "dataset.path=/d/a\\x1b\u202eb",
                                 "dataset.path=/d/it's\u2028x"])  # fmt: skip
def test_the_word_said_reads_back_as_the_override(arg):
    said = _start(unquoted_non_ascii([arg]))
    typed = subprocess.run(["bash", "-c", f"printf %s {said}"], capture_output=True,
                           check=True).stdout.decode()  # fmt: skip
    assert typed == arg, (said, typed)
