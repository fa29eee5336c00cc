"""UCI's adult.test opens with the line '|1x3 Cross validator': read as the header, its
refusal advised dataset.delimiter='|', which leads nowhere (the '|' separates nothing); it
now says the line is a comment to remove. A CSV saved by a Western European spreadsheet
(Windows-1252: 'Müller') was refused with "save it as UTF-8" only; the refusal now says
which encoding it looks like, the letter the byte is there, and how to convert it."""

from __future__ import annotations

import pytest

from mia_defense.data import load_csv
from mia_defense.errors import DataError

_ROWS = "".join(f"{20 + i}, Private, Male, {30 + i % 9}, {'>50K' if i % 3 else '<=50K'}.\n"
                for i in range(30))


@pytest.mark.parametrize("header", ["", "age, workclass, sex, hours, income\n"])
def test_adult_test_s_comment_line_is_named_not_taken_for_a_separator(tmp_path, header):
    path = tmp_path / "adult.test"
    path.write_text("|1x3 Cross validator\n" + header + _ROWS + "\n")
    with pytest.raises(DataError) as refused:
        load_csv(path=path, label_column="income")
    message = str(refused.value)
    assert "(the first line, '|1x3 Cross validator', is a comment, as UCI's adult.test opens " \
           "with: remove that line, so that the first line names the columns)" in message
    assert "dataset.delimiter" not in message
    if header:  # with the line removed, the file reads
        path.write_text(header + _ROWS)
        assert load_csv(path=path, label_column="income").class_labels == ("<=50K.", ">50K.")


def test_a_file_separated_by_bars_still_gets_the_delimiter_hint(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a|b|y\n" + "".join(f"{i}|{i % 3}|{i % 2}\n" for i in range(30)))
    with pytest.raises(DataError, match=r"are the fields separated by '\|'\? then set "
                       r"\"dataset.delimiter='\|'\""):
        load_csv(path=path, label_column="y")


@pytest.mark.parametrize(("word", "encoding", "byte"),
                         [("Müller", "cp1252", "0xfc"), ("Orléans", "latin-1", "0xe9"),
                          ("Straße", "cp1252", "0xdf")])
def test_a_western_european_export_is_named_with_the_way_to_convert_it(tmp_path, word,
                                                                         encoding, byte):
    path = tmp_path / "export.csv"
    path.write_bytes(("name;x;y\r\n" + "".join(f"{word};{i};{i % 2}\r\n" for i in range(30))
                      ).encode(encoding))
    with pytest.raises(DataError) as refused:
        load_csv(path=path, label_column="y", delimiter=";")
    message = str(refused.value)
    assert ("export.csv: not a readable CSV text file (" in message
            and f"); it looks like Windows-1252 or Latin-1 text (byte {byte} is "
                f"{word[[c.isascii() for c in word].index(False)]!r} there, in "
                f"'{word};0;0'), not UTF-8; convert it, e.g. iconv -f cp1252 -t utf-8 "
                "export.csv > utf8.csv, or save it as UTF-8 text (e.g. Excel's 'CSV UTF-8')"
            in message), message


def test_binary_bytes_are_not_taken_for_western_text(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes(b"a,y\n1,0\n\x01\x02\xfc\x00\x9d,1\n")
    with pytest.raises(DataError, match="save it as UTF-8") as refused:
        load_csv(path=path, label_column="y")
    assert "Windows-1252" not in str(refused.value)


@pytest.mark.parametrize("comment", ["# exported by tool v2", "# exported 2024-01-01, rows: 30"])
def test_a_comment_line_before_the_header_is_named(tmp_path, comment):
    path = tmp_path / "d.csv"
    path.write_text(f"{comment}\na,y\n" + "".join(f"{i},{i % 2}\n" for i in range(30)))
    with pytest.raises(DataError, match=r"no column 'y' in the header .*; set dataset.label_column "
                       r"\(the first line, starting '# exported .*', is a comment: remove the "
                       r"comment lines, so that the first line names the columns\)$"):
        load_csv(path=path, label_column="y")


def test_adult_s_two_files_pooled_say_what_task_the_models_learn(tmp_path, caplog):
    import logging

    path = tmp_path / "adult.csv"
    labels = ["<=50K", ">50K", "<=50K.", ">50K."]  # adult.data's, then adult.test's
    path.write_text("age, income\n" + "".join(f"{20 + i}, {labels[i % 4]}\n" for i in range(40)))
    with caplog.at_level(logging.WARNING, logger="mia_defense.data.csv_file"):
        data = load_csv(path=path, label_column="income")
    assert data.num_classes == 4
    assert ("as two classes (the models learn a 4-class task where the file may mean 2 "
            "classes, and the attacks are measured on it; UCI's adult.test ends its labels "
            "with '.', adult.data does not); if they are one class, write them alike"
            ) in caplog.text
