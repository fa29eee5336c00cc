"""Hostile inputs (helper 149): a spreadsheet workbook where a CSV or an .npz is read."""

from __future__ import annotations

import zipfile

import pytest

from mia_defense.data import load_csv, load_npz, load_purchase100
from mia_defense.errors import DataError


def _xlsx(path, first: str = "[Content_Types].xml"):
    with zipfile.ZipFile(path, "w") as book:
        book.writestr(first, "<Types/>")
        book.writestr("xl/workbook.xml", "<workbook/>")
    return path


def _ods(path):
    with zipfile.ZipFile(path, "w") as book:  # ODF: 'mimetype' first, stored
        book.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        book.writestr("content.xml", "<office:document-content/>")
    return path


def _xls(path):
    path.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + bytes(600))  # an OLE2 compound file
    return path


_XLSX = r"an Office document \(an Excel \.xlsx workbook\?\)"


@pytest.mark.parametrize(("make", "shown"), [
    (_xlsx, _XLSX),
    (lambda path: _xlsx(path, "docProps/app.xml"), _XLSX),  # as openpyxl writes it
    (_ods, r"an OpenDocument spreadsheet \(\.ods\)"),
    (_xls, r"a Microsoft Office file \(an Excel \.xls workbook\?\)"),
])
def test_a_workbook_given_for_a_csv_is_told_to_be_saved_as_csv(tmp_path, make, shown):
    """An .xlsx (a zip) was refused with 'extract it (tar xf, gunzip or unzip)', which gives
    XML, not a table."""
    book = make(tmp_path / "sales.xlsx")
    with pytest.raises(DataError, match=rf"sales\.xlsx: is {shown}, not a CSV text file; save "
                                        r"the sheet as CSV \(Excel: File > Save As"):
        load_csv(path=book, label_column="label")


def test_a_workbook_given_for_an_npz_or_purchase_file_is_told_so(tmp_path):
    """dataset=npz listed the workbook's XML parts as the arrays to set dataset.x_key to."""
    book = _xlsx(tmp_path / "sales.xlsx")
    for load in (load_npz, load_purchase100):
        with pytest.raises(DataError, match=r"sales\.xlsx: is an Office document .*save the "
                                            r"sheet as CSV"):
            load(path=book)


def test_a_zip_of_a_csv_is_still_told_to_be_extracted(tmp_path):
    path = tmp_path / "data.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("data.csv", "a,label\n1,0\n")
    with pytest.raises(DataError, match=r"is a zip archive, not a CSV text file; extract it"):
        load_csv(path=path, label_column="label")
