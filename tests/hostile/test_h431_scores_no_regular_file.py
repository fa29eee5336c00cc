"""A run of mia-train whose scores.npz is a folder or a FIFO (test_h419_unchecked_figures'
sweep, its TPRs lowered by hand) got the caveat 'its folder's scores.npz is no regular file
(deleted or moved)': neither deleted nor moved, it is there, as something else (helper
h431). The caveat now says what it is in `files.no_regular_file`'s words, as mia-report's
other caveats on a run's files do ('a directory, not a regular file'); '(deleted or moved)'
is left to a file that is not there."""

from __future__ import annotations

import os

import pytest

from mia_defense.report import write_report
from tests.hostile.test_h419_unchecked_figures import _notes, _sweep, built  # noqa: F401


@pytest.mark.parametrize(("how", "said"), [
    ("a folder", "a directory, not a regular file"),
    ("a FIFO", "a FIFO (named pipe), not a regular file"),
])
def test_a_scores_file_that_is_there_is_said_as_what_it_is(built, tmp_path, how, said):  # noqa: F811
    root = _sweep(built, tmp_path / "sweep")
    scores = root / "und" / "scores.npz"
    scores.unlink()
    scores.mkdir() if how == "a folder" else os.mkfifo(scores)
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    (note,) = _notes(report, "und")
    assert f"its folder's scores.npz is {said};" in note
    assert "deleted or moved" not in note
