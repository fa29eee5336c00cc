"""A CSV column of dates (2024-01-31) or of numbers with a unit (12 kg) was read as text and
one-hot encoded, a category per distinct value, without a word (400 rows: 84 date features;
mia-train then found a membership leak at chance utility, the dates' one-hot features
memorised). They are now warned about, naming the column and the fix. A column empty on
every row was refused as '400 missing or NaN values ...; impute or drop them', which reads
as dropping every row: it is now named as an empty column, with dataset.drop_columns."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from mia_defense.data import load_csv
from mia_defense.errors import DataError

N = 60


def _write(path: Path, values: list[str]) -> Path:
    rng = np.random.default_rng(0)
    x = rng.normal(size=N)
    rows = [f"{a:.3f},{v},{int(a > 0)}" for a, v in zip(x, values, strict=True)]
    path.write_text("a,b,label\n" + "".join(r + "\n" for r in rows))
    return path


def _warned(caplog: pytest.LogCaptureFixture, path: Path) -> list[str]:
    with caplog.at_level(logging.WARNING, logger="mia_defense.data"):
        load_csv(path=path, label_column="label")
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


@pytest.mark.parametrize(
    ("values", "said"),
    [
        ([f"{20 + i % 30} kg" for i in range(N)],
         "column 'b' holds numbers with a unit ('20 kg' on line 2), read as text: they are "
         "one-hot encoded as 30 categories, not one numeric feature; if they are amounts, "
         "write the numbers alone in the file (the unit 'kg' in the column's name)"),
        ([f"{1.5 + i % 7}cm" for i in range(N)], "numbers with a unit ('1.5cm' on line 2)"),
        ([f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(N)],
         "column 'b' holds dates ('2024-01-01' on line 2), read as text: they are one-hot "
         "encoded as 60 categories, one per distinct date, with no order between them; write "
         "them as numbers in the file (days since a start, or a year and a month column), or "
         "drop the column (dataset.drop_columns=b)"),
        ([f"{1 + i % 28:02d}.{1 + i % 12:02d}.2024" for i in range(N)], "holds dates ("),
        ([f"2024-01-{1 + i % 28:02d}T10:{i % 60:02d}:00Z" for i in range(N)], "holds dates ("),
    ],
)
def test_dates_and_numbers_with_a_unit_are_warned(tmp_path, caplog, values, said):
    warned = _warned(caplog, _write(tmp_path / "d.csv", values))
    assert [m for m in warned if said in m], warned
    # a date on every row is no identifier: one warning, not two
    assert not [m for m in warned if "identifier" in m], warned


@pytest.mark.parametrize(
    "values",
    [
        ["4WD" if i % 2 else "2WD" for i in range(N)],  # two values: categories
        [["1st", "2nd", "3rd", "4th"][i % 4] for i in range(N)],  # no one unit
        [["red", "green", "blue"][i % 3] for i in range(N)],
        [["A1", "B2", "C3"][i % 3] for i in range(N)],
    ],
)
def test_categories_are_not_taken_for_amounts_or_dates(tmp_path, caplog, values):
    warned = _warned(caplog, _write(tmp_path / "d.csv", values))
    assert not [m for m in warned if "unit" in m or "dates" in m], warned


def test_a_column_empty_on_every_row_is_named_with_the_key_that_drops_it(tmp_path):
    path = _write(tmp_path / "d.csv", [""] * N)
    with pytest.raises(DataError, match=r"d.csv: column 'b' is empty on every row \(60 rows\): "
                       r"nothing to learn from; drop it \(dataset.drop_columns=b\) or fill it "
                       r"in$"):
        load_csv(path=path, label_column="label")
    assert load_csv(path=path, label_column="label", drop_columns="b").x.shape == (N, 1)
    path.write_text("a,b,c,label\n" + "1,,,0\n2,,,1\n" * 10)
    with pytest.raises(DataError, match=r"column 'b' is empty on every row \(20 rows\), and so "
                       r"is 1 more \(\['c'\]\): .*drop them \('dataset.drop_columns=\[b,c\]'\)"):
        load_csv(path=path, label_column="label")
    # a column that is only partly empty keeps the message it had
    path.write_text("a,b,label\n1,,0\n2,3,1\n")
    with pytest.raises(DataError, match=r"1 missing or NaN values \(first in column 'b', line "
                       r"2\); impute or drop them first"):
        load_csv(path=path, label_column="label")
