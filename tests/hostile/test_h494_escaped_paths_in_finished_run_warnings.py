"""h494: the warnings of a complete run skipped as finished (tracking/run_dir.py
`warn_incomplete`: its results.json a link, its arrays, TensorBoard events or saved models'
route missing) named its folder bare, through logging's ``%s``: a run folder named
``$'evil\\x1b[2J\\nname'`` cleared the terminal and forged a log line. Each names it now as
every refusal does (`constraints.shown_path`: a name with a control character as ``$'...'``
writes it); an ordinary path is said as before, whole and as it is."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from mia_defense.constraints import shown_path
from mia_defense.tracking.run_dir import RESULTS, warn_incomplete
from tests.hostile.test_h481_paths_in_more_suggested_commands import _ordinary


def _linked_record(folder: Path) -> list[Path]:
    (folder / "elsewhere.json").write_text("{}")
    (folder / RESULTS).symlink_to(folder / "elsewhere.json")
    return [folder / RESULTS, folder / "elsewhere.json"]


def _arrays_missing(folder: Path) -> list[Path]:
    (folder / RESULTS).write_text("{}")
    return [folder]


def _models_saved(folder: Path) -> list[Path]:
    (folder / RESULTS).write_text("{}")
    (folder / "checkpoints").mkdir()
    (folder / "checkpoints" / "model_0.pt").write_bytes(b"x")
    return [folder]


_CASES: list[Callable[[Path], list[Path]]] = [_linked_record, _arrays_missing, _models_saved]


def _warned(made: Callable[[Path], list[Path]], folder: Path,
            caplog: pytest.LogCaptureFixture) -> tuple[list[Path], list[str]]:
    named = made(folder)
    with caplog.at_level(logging.WARNING, logger="mia_defense.tracking.run_dir"):
        warn_incomplete(folder)
    lines = [record.getMessage() for record in caplog.records]
    assert lines
    return named, lines


@pytest.mark.parametrize("made", _CASES, ids=lambda f: f.__name__.strip("_"))
def test_a_name_with_an_escape_code_is_escaped(made, tmp_path: Path, caplog) -> None:
    folder = tmp_path / "evil\x1b[2J\nname\u202e"
    folder.mkdir()
    named, lines = _warned(made, folder, caplog)
    for line in lines:
        assert "\x1b" not in line and "\n" not in line and "\u202e" not in line
        assert f"$'{tmp_path}/evil\\x1b[2J\\x0aname\\u202e" in line
    for path in named:
        assert any(shown_path(path) in line for line in lines)


@pytest.mark.parametrize("made", _CASES, ids=lambda f: f.__name__.strip("_"))
def test_an_ordinary_path_is_said_as_it_is(made, tmp_path: Path, caplog) -> None:
    folder = _ordinary(tmp_path)
    folder.mkdir(parents=True)
    named, lines = _warned(made, folder, caplog)
    for line in lines:
        assert "$'" not in line and line.startswith(str(folder))
    for path in named:
        assert any(str(path) in line for line in lines)
