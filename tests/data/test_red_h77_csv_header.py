"""Red-team checks (helper 77) of the CSV loader's header line: a file without one, and
the message about a missing label column on a very wide file."""

from __future__ import annotations

import logging

import pytest

from mia_defense.data import load_csv
from mia_defense.errors import DataError

_ROWS = "".join(f"{i * 0.37 - 3:.3f},{(i * 7) % 11 - 5.5:.2f},{i % 3}\n" for i in range(30))


def test_a_file_without_header_is_refused_when_the_label_column_matches_a_value(tmp_path):
    """dataset.label_column=2 on a file without a header line matched the first sample's
    label '2': that sample became the header and was dropped, silently."""
    path = tmp_path / "nohdr.csv"
    path.write_text("0.126,-0.132,2\n" + _ROWS)
    with pytest.raises(DataError, match=r"nohdr\.csv: line 1 \(\['0\.126', '-0\.132', '2'\]\) "
                                        r"holds numbers only, not column names: the file has no "
                                        r"header line"):
        load_csv(path=path, label_column=2)


@pytest.mark.parametrize("header", ["0,1,2", "1,2,3", "a,1990,2"])
def test_integer_column_names_are_still_a_header(tmp_path, header):
    # pandas writes 0,1,2,... for unnamed columns; names of years are names too
    path = tmp_path / "named.csv"
    path.write_text(header + "\n" + _ROWS)
    data = load_csv(path=path, label_column=header.split(",")[-1], standardize=False)
    assert data.x.shape == (30, 2)


def test_a_missing_label_column_of_a_headerless_file_says_it_has_no_header(tmp_path):
    path = tmp_path / "nohdr.csv"
    path.write_text("0.126,-0.132,2\n" + _ROWS)
    with pytest.raises(DataError, match=r"no column 'label' in the header \['0\.126', '-0\.132', "
                                        r"'2'\]; set dataset.label_column \(line 1 holds numbers "
                                        r"only: the file has no header line"):
        load_csv(path=path, label_column="label")


def test_a_missing_label_column_of_a_wide_file_is_one_short_line(tmp_path):
    """A 20,000-column file put every name into the error: one line of 189 KB."""
    path = tmp_path / "wide.csv"
    width = 20_000
    path.write_text(",".join(f"c{i}" for i in range(width)) + ",Label\n"
                    + ",".join(["1"] * width) + ",0\n")
    with pytest.raises(DataError) as caught:
        load_csv(path=path, label_column="label")
    message = str(caught.value)
    assert len(message) < 1000, len(message)
    assert "no column 'label' in the header ['c0', 'c1'," in message
    assert "... 19981 more ..., 'c19996', 'c19997', 'c19998', 'c19999', 'Label'] (20001 columns)" \
        in message
    assert "did you mean 'Label'?" in message


def test_a_wide_header_in_one_field_is_cut_in_the_message(tmp_path):
    """A semicolon-separated header of 10,000 names read with commas is one name of 59 KB,
    which went whole into the error."""
    path = tmp_path / "semi.csv"
    path.write_text(";".join(f"c{i}" for i in range(10_000)) + ";label\n"
                    + ";".join(["1"] * 10_000) + ";0\n")
    with pytest.raises(DataError) as caught:
        load_csv(path=path, label_column="label")
    message = str(caught.value)
    assert len(message) < 1000, len(message)
    assert "no column 'label' in the header ['c0;c1;c2;" in message
    assert "... (58895 characters)]; set dataset.label_column (one column: are the fields " \
        "separated by ';'? then set \"dataset.delimiter=';'\")" in message


def test_a_line_of_spaces_is_a_blank_line(tmp_path):
    """A trailing line of spaces (or a tab) was refused: 'line 32 has 1 fields but the header
    has 3', where an empty line is skipped."""
    path = tmp_path / "spaces.csv"
    path.write_text("a,b,label\n" + _ROWS + "  \n\n\t\n")
    data = load_csv(path=path, label_column="label", standardize=False)
    assert data.x.shape == (30, 2)


def test_a_label_column_given_by_position_names_the_column_there(tmp_path):
    path = tmp_path / "named.csv"
    path.write_text("a,b,label\n" + _ROWS)
    with pytest.raises(DataError, match=r"no column '2' in the header \['a', 'b', 'label'\]; set "
                                        r"dataset.label_column \(it takes a column's name, not "
                                        r"its position: column 2 counting from 0 is 'label'\)"):
        load_csv(path=path, label_column=2)


def test_labels_differing_only_by_a_trailing_dot_are_warned_about(tmp_path, caplog):
    """Adult's training and test files pooled: '>50K' and '>50K.' became two classes of a
    4-class task, silently."""
    path = tmp_path / "adult.csv"
    labels = ["<=50K", ">50K", "<=50K.", ">50K."]
    path.write_text("a,b,income\n" + "".join(f"{i},{i % 7},{labels[i % 4]}\n"
                                              for i in range(40)))
    with caplog.at_level(logging.WARNING, logger="mia_defense.data.csv_file"):
        data = load_csv(path=path, label_column="income")
    assert data.num_classes == 4
    assert "holds the labels '<=50K' and '<=50K.', which differ only in case or a trailing '.'" \
        in caplog.text
