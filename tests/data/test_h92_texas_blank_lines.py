"""Texas100's 'feats' and 'labels' pair features and labels line by line: a blank line
skipped inside one file and not the other paired each later patient with another's label
without a word when the row counts still matched (helper h92)."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.data import load_texas100
from mia_defense.errors import DataError

_FEATS = ["1,0,0", "0,1,0", "0,0,1", "1,1,0"]
_LABELS = ["1", "2", "3", "4"]


def _with(lines: list[str], at: int, line: str = "") -> list[str]:
    """``lines`` with ``line`` inserted as line ``at + 1``."""
    return [*lines[:at], line, *lines[at:]]


def _texas(tmp_path, feats: list[str], labels: list[str]):
    folder = tmp_path / "texas" / "100"
    folder.mkdir(parents=True)
    (folder / "feats").write_text("\n".join(feats) + "\n")
    (folder / "labels").write_text("\n".join(labels) + "\n")
    return folder


@pytest.mark.parametrize(
    ("feats", "labels", "file", "line"),
    [
        (_with(_FEATS, 2), _with(_LABELS, 4), "feats", 3),
        (_FEATS, _with(_LABELS, 1, "   "), "labels", 2),
        (_with(_FEATS, 1, "# a note"), _with(_LABELS, 3), "feats", 2),
    ],
    ids=["feats", "labels", "comment-and-blank-elsewhere"],
)
def test_a_blank_line_in_one_file_only_is_refused_with_its_path_and_line(
        tmp_path, feats, labels, file, line):
    folder = _texas(tmp_path, feats, labels)
    with pytest.raises(DataError, match=rf"{folder / file}: line {line} is blank \(or a comment "
                       rf"alone\) where line {line} of '\w+' is not"):
        load_texas100(path=tmp_path, label_base=1)


@pytest.mark.parametrize(
    ("feats", "labels"),
    [
        (_with(_FEATS, 2), _with(_LABELS, 2)),  # in both
        (_with(_with(_FEATS, 4), 5), _LABELS),  # at the end
    ],
    ids=["same-line-in-both", "trailing"],
)
def test_blank_lines_that_keep_the_pairs_are_read(tmp_path, feats, labels):
    _texas(tmp_path, feats, labels)
    data = load_texas100(path=tmp_path, label_base=1)
    np.testing.assert_array_equal(data.x[:, :3], np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1],
                                                           [1, 1, 0]], np.float32))
    np.testing.assert_array_equal(data.y, [0, 1, 2, 3])
