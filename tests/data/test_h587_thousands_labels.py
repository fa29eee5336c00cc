"""Labels written with thousands separators ("1,000", "2,000" quoted in a comma-separated
file) became text classes in sorted order without a word ('10,000' before '2,000'), where
the same values in a feature column are refused (test_h116_thousands_separators): they
are refused too, saying what to write, with the line and column."""
import pytest

from mia_defense.data import load_csv
from mia_defense.errors import DataError


def _write(tmp_path, labels):
    path = tmp_path / "d.csv"
    rows = [f'{i % 5},{i % 3},"{labels[i % len(labels)]}"\n' for i in range(12)]
    path.write_text("a,b,y\n" + "".join(rows))
    return path


@pytest.mark.parametrize("labels", [["1,000", "2,000"], ["1,000", "2,000", "10,000"],
                                    ["1'000", "2'000"]])
def test_labels_with_thousands_separators_are_refused(tmp_path, labels):
    path = _write(tmp_path, labels)
    with pytest.raises(DataError, match=(
            rf"d.csv: column 'y' holds labels written as numbers with a thousands separator "
            rf"or a decimal comma \({labels[0]!r} on line 2\).*"
            rf"write plain integers \({labels[0].replace(',', '').replace(chr(39), '')}, not ")):
        load_csv(path=path, label_column="y")


def test_text_labels_with_commas_stay_classes(tmp_path):
    path = _write(tmp_path, ["low, mid", "high, top"])
    data = load_csv(path=path, label_column="y")
    assert data.num_classes == 2
