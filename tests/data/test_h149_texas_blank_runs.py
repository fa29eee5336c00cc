"""Hostile inputs (helper 149) of the Texas100/Purchase100 text loaders: long runs of blank
lines, kept as runs, not one entry per line."""

from __future__ import annotations

import tracemalloc

import numpy as np

from mia_defense.data import load_texas100

_BLANK = 200_000


def test_blank_lines_take_no_memory_per_line(tmp_path):
    """The numbers of the skipped lines were a list, then sets and sorted lists of them: a
    50 MB file of blank lines took 7 GB (145 bytes a line), where the loader's memory check
    allows 4 bytes per byte of file. Here 200,000 blank lines in each file, paired."""
    (tmp_path / "feats").write_text("0,1\n" + "\n" * _BLANK + "1,0\n")
    (tmp_path / "labels").write_text("1\n" + "\n" * _BLANK + "2\n")
    tracemalloc.start()
    try:
        data = load_texas100(path=tmp_path, label_base=1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(data.y, [0, 1])
    assert peak < 20 * _BLANK, f"{peak} bytes for {_BLANK} blank lines"  # was 198 a line
