"""Data loaders' leftovers (helper 278)."""

from __future__ import annotations

import io
import tarfile

import pytest

from mia_defense import data
from mia_defense.data import guards
from mia_defense.errors import ConfigError, DataError

_BIG = 10**5000  # more digits than Python writes out: str() and repr() raise ValueError


@pytest.mark.parametrize(("loader", "settings", "key"), [
    ("load_csv", {"delimiter": _BIG}, "dataset.delimiter"),
    ("load_csv", {"decimal": _BIG}, "dataset.decimal"),
    ("load_csv", {"name": _BIG}, "Dataset(name"),
    ("load_csv", {"path": _BIG}, "dataset.path"),
    ("load_csv", {"label_column": [_BIG]}, "dataset.label_column"),
    ("load_csv", {"drop_columns": [_BIG]}, "dataset.drop_columns"),
    ("load_csv", {"drop_columns": {_BIG: 1}}, "dataset.drop_columns"),
    ("load_csv", {"categories": [_BIG]}, "dataset.categories"),
    ("load_csv", {"categories": {_BIG: ["a"]}}, "dataset.categories"),
    ("load_csv", {"categories": {"a": [_BIG]}}, "dataset.categories.a"),
    ("load_csv", {"plan": [_BIG]}, "dataset.plan"),
    ("load_csv", {"plan": {_BIG: 1}}, "dataset.plan"),
    ("load_csv", {"num_classes": [_BIG]}, "dataset.num_classes"),
    ("load_npz", {"x_key": _BIG}, "dataset.x_key"),
    ("load_cifar100", {"labels": _BIG}, "dataset.labels"),
    ("load_cifar10", {"split": _BIG}, "dataset.split"),
    ("load_mnist", {"split": _BIG}, "dataset.split"),
])
def test_a_setting_of_an_integer_too_long_to_write_is_refused_in_words(tmp_path, loader,
                                                                        settings, key):
    """From Python, loader(delimiter=10**5000) and the other text settings raised Python's
    raw 'Exceeds the limit (4300 digits) for integer string conversion' while their refusal
    was worded (the value's repr, or str() of a column name); now the loader's ConfigError,
    the value shown as constraints.shown writes it."""
    csv = tmp_path / "d.csv"
    csv.write_text("a,y\n1,0\n2,1\n3,0\n4,1\n")
    given = {"path": csv, "label_column": "y"} if loader == "load_csv" else {"path": tmp_path}
    with pytest.raises(ConfigError, match=rf"^{key.replace('(', '[(]')}.*<(an integer of "
                       r"about 5001 digits|a dict)>"):
        getattr(data, loader)(**{**given, **settings})


def test_a_csv_with_mustard_where_a_tar_header_has_its_magic_is_text(tmp_path):
    """A tar archive was told by "ustar" at byte 257 alone: a shopping CSV with "mustard"
    there was refused as 'is a tar archive, not a CSV text file; extract it'. The magic's
    NUL (POSIX) or two spaces and NUL (GNU) are checked too; tar files are told as before."""
    text = "item,price,y\n" + "bread,2,0\n" * 24
    text += "a" * (256 - len(text)) + "mustard,3,1\n" + "jam,1,0\nmilk,1,1\n" * 4
    assert text[257:262] == "ustar"
    path = tmp_path / "shop.csv"
    path.write_text(text)
    assert len(data.load_csv(path=path, label_column="y")) == 33
    for form in (tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT):
        packed = io.BytesIO()
        with tarfile.open(fileobj=packed, mode="w", format=form) as tar:
            tar.addfile(tarfile.TarInfo("shop.csv"), io.BytesIO(b""))
        path.write_bytes(packed.getvalue())
        with pytest.raises(DataError, match=r"shop\.csv: is a tar archive, not a CSV text file"):
            data.load_csv(path=path, label_column="y")
    assert guards.ARCHIVE_HEAD >= 265


@pytest.mark.parametrize("first", ["PAR1", "FEA1", "ARROW1", "MATLAB score"])
def test_a_csv_whose_first_column_is_named_as_a_binary_format_opens_is_text(tmp_path, first):
    """A CSV whose header started with a binary format's magic that is text itself
    ('PAR1,PAR2,y') was refused as 'is a Parquet file, not a CSV text file' (Feather,
    Arrow, MATLAB alike); a magic counts now only where the bytes after it are no text."""
    path = tmp_path / "params.csv"
    path.write_text(f"{first},other,y\n" + "".join(f"{i % 7},{i % 3},{i % 2}\n"
                                                   for i in range(20)))
    assert data.load_csv(path=path, label_column="y").x.shape == (20, 2)
