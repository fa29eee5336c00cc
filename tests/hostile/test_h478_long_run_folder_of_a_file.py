"""h478: mia-attack RUN/results.json ends its refusal with the run folder and the command
that attacks it (h465), but put the folder into both as it was: a 1,500-character run
folder was shown whole (past `constraints.PATH_LIMIT`) and its command held it too. The
folder is now shown as every refusal shows a path (`constraints.shown_path`: clipped with
its length) and the command says '<that folder>' for one too long to put into it
(`constraints.typed_path`); a folder of ordinary length keeps both whole."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from mia_defense.attack_source import read_source
from mia_defense.constraints import PATH_LIMIT
from mia_defense.errors import DataError


def _refusal(folder: Path, name: str, marker: str) -> str:
    folder.mkdir(parents=True)
    (folder / marker).write_text("x")
    (folder / name).write_text("{}\n")
    with pytest.raises(DataError) as caught:
        read_source(folder / name)
    return str(caught.value)


@pytest.mark.parametrize("marker,tail", [
    ("observations.npz", ": give the folder (mia-attack <that folder>)"),
    ("multirun.yaml", ": give one of its run folders (mia-attack <that folder>/RUN)"),
])  # fmt: skip
def test_a_run_folder_too_long_to_show_is_clipped_and_left_out_of_its_command(
        tmp_path: Path, marker: str, tail: str) -> None:  # fmt: skip
    folder = tmp_path.joinpath(*["r" * 200] * 7)  # (some 1,500 characters)
    assert PATH_LIMIT < len(str(folder)) < 4000
    message = _refusal(folder, "results.json", marker)
    assert message.endswith(f"… ({len(str(folder))} characters){tail}"), message[-300:]
    said = message.rpartition("; it is a file of the ")[2]
    assert str(folder) not in said and len(said) < PATH_LIMIT + 200, said[-300:]


@pytest.mark.parametrize("marker", ["observations.npz", "multirun.yaml"])
def test_a_run_folder_of_ordinary_length_is_named_whole(tmp_path: Path, marker: str) -> None:
    folder = tmp_path / "run one"
    message = _refusal(folder, "results.json", marker)
    assert f"folder {folder}: give" in message, message
    assert f"(mia-attack {shlex.quote(str(folder))}" in message, message
