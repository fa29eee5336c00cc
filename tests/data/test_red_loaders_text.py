"""Red-team checks of the comma-separated text files of Purchase100 and Texas100."""

from __future__ import annotations

import pytest

from mia_defense.data import load_texas100
from mia_defense.errors import DataError


def test_a_short_row_is_not_answered_with_numpys_usecols_advice(tmp_path):
    # numpy's "use `usecols` to select a subset and avoid this error" names an argument of
    # np.loadtxt, which no setting of the loader reaches
    folder = tmp_path / "texas"
    folder.mkdir()
    (folder / "feats").write_text("".join("0,1,0\n" if i != 4 else "0,1\n" for i in range(9)))
    (folder / "labels").write_text("".join(f"{i % 3 + 1}\n" for i in range(9)))
    with pytest.raises(DataError, match=r"feats: line 5 holds 2 comma-separated values "
                                        r"where line 1 holds 3: a value missing") as caught:
        load_texas100(path=folder)
    assert "usecols" not in str(caught.value)


def test_a_header_line_is_named_as_one(tmp_path):
    # "could not convert string 'f1' ... at row 0": numpy counts this row from 0 (its
    # column-count errors from 1); the line is a header, which these files do not have
    folder = tmp_path / "texas"
    folder.mkdir()
    (folder / "feats").write_text("f1,f2,f3\n" + "".join("0,1,0\n" for i in range(9)))
    (folder / "labels").write_text("".join(f"{i % 3 + 1}\n" for i in range(10)))
    with pytest.raises(DataError, match=r"feats: not a comma-separated numeric file \(could "
                                        r"not convert string 'f1' .*\); line 1 looks like a "
                                        r"header of column names: this file has none, remove"):
        load_texas100(path=folder)


def test_a_comment_line_is_no_header(tmp_path):
    folder = tmp_path / "texas"
    folder.mkdir()
    (folder / "feats").write_text("# hospital stays\n" + "".join(
        "0,1,0\n" if i != 3 else "0,x,0\n" for i in range(9)))
    (folder / "labels").write_text("".join(f"{i % 3 + 1}\n" for i in range(9)))
    with pytest.raises(DataError, match=r"could not convert string 'x'.*; expected one sample"):
        load_texas100(path=folder)
