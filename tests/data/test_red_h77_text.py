"""Red-team checks (helper 77) of the Purchase100 and Texas100 text loaders."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.data import load_purchase100, load_texas100
from mia_defense.errors import DataError


def test_a_purchase_file_ending_in_a_line_of_spaces_loads(tmp_path):
    """A last line of spaces was refused: 'the dtype passed requires 601 columns but 1 were
    found at row 31', where empty lines are skipped."""
    rows = [f"{1 + i % 100}," + ",".join(str((i * j) % 2) for j in range(600)) + "\n"
            for i in range(30)]
    path = tmp_path / "dataset_purchase"
    path.write_text("".join(rows[:10]) + "\n \t\n" + "".join(rows[10:]) + "   \n")
    data = load_purchase100(path=path, label_base=1)
    assert data.x.shape == (30, 600)


def test_texas_files_with_lines_of_spaces_load(tmp_path):
    folder = tmp_path / "texas" / "100"
    folder.mkdir(parents=True)
    (folder / "feats").write_text("".join(f"{i % 2},{i % 3 % 2},1\n" for i in range(30)) + "  \n")
    (folder / "labels").write_text("".join(f"{1 + i % 4}\n" for i in range(30)) + " \n")
    data = load_texas100(path=tmp_path, label_base=1)
    assert data.x.shape == (30, 3)
    assert np.array_equal(data.y, np.arange(30) % 4)


def test_lines_ending_in_a_comma_say_so(tmp_path):
    """'could not convert string '' to float32 at row 0, column 602', with no word of the
    trailing comma that makes the empty value."""
    path = tmp_path / "dataset_purchase"
    path.write_text("".join(f"{1 + i % 100}," + "0," * 600 + "\n" for i in range(5)))
    with pytest.raises(DataError, match=r"dataset_purchase: not a comma-separated numeric file "
                                        r"\(.*\); expected one sample per line, values separated "
                                        r"by commas; the lines end with a comma, which leaves an "
                                        r"empty last value: remove it"):
        load_purchase100(path=path)
