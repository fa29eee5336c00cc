"""h483: `constraints.typed_path`, the path a refusal puts into the command it suggests, was
quoted with shlex.quote, so a path holding a newline (or a tab, an escape code) put it raw
into the one-line message: ``typed_path('/tmp/a\\nb', instead='x')`` printed two lines, and
mia-attack's refusal of such a run folder ended 'mia-attack '/tmp/.../nl' on one line and
'dir/observations.npz')' on the next. cli.commands.shell_word already wrote such a path as
bash's ``$'...'``; the two are now one (`constraints.shell_word`, which cli.commands
imports): the path stays on the message's line and bash reads it back as the same path. An
ordinary path is quoted as before (shlex.quote)."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from mia_defense.attack_source import read_source
from mia_defense.constraints import typed_path
from mia_defense.errors import DataError

_NAMES = ["/tmp/a\nb", "run\tone", "x\x1b[31mred", "it's\r\n$(echo hi)", "byte\udcff"]


def _bash_reads(word: str) -> bytes:
    return subprocess.run(["bash", "-c", f"printf %s {word}"], capture_output=True,
                          check=True).stdout


@pytest.mark.parametrize("name", _NAMES)
def test_a_path_with_a_control_character_is_one_printable_word(name):
    typed = typed_path(name, instead="<that folder>")
    assert typed.isprintable() and "\n" not in typed


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize("name", _NAMES)
def test_bash_reads_the_typed_path_back_as_the_path(name):
    assert _bash_reads(typed_path(name, instead="<that folder>")) == (
        name.encode("utf-8", "surrogateescape"))


@pytest.mark.parametrize("name", ["/tmp/run one", "/tmp/plain", "/tmp/it's", "/tmp/$(x)"])
def test_an_ordinary_path_is_quoted_as_before(name):
    assert typed_path(name, instead="<that folder>") == shlex.quote(name)


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_the_command_mia_attack_suggests_for_a_folder_with_a_newline(tmp_path):
    folder = tmp_path / "nl\ndir"
    folder.mkdir()
    (folder / "observations.npz").write_bytes(b"PK")
    (folder / "train.log").write_text("")
    with pytest.raises(DataError) as caught:
        read_source(folder)
    command = str(caught.value).rsplit("(mia-attack ", 1)[1]
    assert command.endswith(")") and "\n" not in command
    assert _bash_reads(command[:-1]) == str(Path(folder, "observations.npz")).encode()
