"""h494: the refusals of a run's scores.npz and observations.npz (report/scores.py: no zip,
an array missing, masks of another type, targets beyond K, scores of another shape) named
the file bare: a run folder named ``$'evil\\x1b[2J\\nname'`` cleared the terminal and split
the refusal over two lines (mia-train's and mia-attack's warnings of a resumed run quote
them too). Each names it now as every refusal does (`constraints.shown_path`: a name with a
control character as ``$'...'`` writes it); an ordinary path is said as before."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from mia_defense.constraints import shown_path
from mia_defense.errors import DataError
from mia_defense.report.scores import attack_scores, read_arrays
from tests.hostile.test_h481_paths_in_more_suggested_commands import _ordinary


def _refusal(refuse: Callable[[], object]) -> str:
    with pytest.raises(DataError) as caught:
        refuse()
    return str(caught.value)


def _no_zip(folder: Path) -> tuple[Path, str]:
    (folder / "scores.npz").write_bytes(b"not a zip")
    return folder / "scores.npz", _refusal(lambda: read_arrays(folder / "scores.npz", ["x"]))


def _no_array(folder: Path) -> tuple[Path, str]:
    np.savez(folder / "scores.npz", y=np.zeros(2))
    return folder / "scores.npz", _refusal(lambda: read_arrays(folder / "scores.npz", ["x"]))


def _masks_of_ints(folder: Path) -> tuple[Path, str]:
    np.savez(folder / "observations.npz", masks=np.zeros((2, 3), dtype=np.int64))
    np.savez(folder / "scores.npz", **{"scores/a": np.zeros((1, 3)), "targets": np.zeros(1)})
    return folder / "observations.npz", _refusal(lambda: attack_scores(folder, "a"))


def _targets_beyond_k(folder: Path) -> tuple[Path, str]:
    np.savez(folder / "observations.npz", masks=np.zeros((2, 3), dtype=bool))
    np.savez(folder / "scores.npz", **{"scores/a": np.zeros((1, 3)),
                                       "targets": np.array([5])})
    return folder / "scores.npz", _refusal(lambda: attack_scores(folder, "a"))


_REFUSALS = [_no_zip, _no_array, _masks_of_ints, _targets_beyond_k]


@pytest.mark.parametrize("refused", _REFUSALS, ids=lambda f: f.__name__.strip("_"))
def test_a_name_with_an_escape_code_is_escaped(refused, tmp_path: Path) -> None:
    folder = tmp_path / "evil\x1b[2J\nname\u202e"
    folder.mkdir()
    file, message = refused(folder)
    assert "\x1b" not in message and "\n" not in message and "\u202e" not in message
    assert message.startswith(f"$'{tmp_path}/evil\\x1b[2J\\x0aname\\u202e/{file.name}': ")
    assert shown_path(file) in message


@pytest.mark.parametrize("refused", _REFUSALS, ids=lambda f: f.__name__.strip("_"))
def test_an_ordinary_path_is_said_as_it_is(refused, tmp_path: Path) -> None:
    folder = _ordinary(tmp_path)
    folder.mkdir(parents=True)
    file, message = refused(folder)
    assert message.startswith(f"{file}: ") and "$'" not in message
