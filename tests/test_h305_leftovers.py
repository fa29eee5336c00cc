"""h305: leftovers of a red-team of user data (observations_from_arrays, CSV, label copies)."""

import numpy as np
import pytest

from mia_defense.api import observations_from_arrays
from mia_defense.errors import DataError

_MASKS = np.array([[1, 0], [0, 1]])
_LABELS = np.array([0, 1])


@pytest.mark.parametrize(
    ("kind", "output"),
    [
        # log-probabilities scaled past float32: the class became -inf ('withheld')
        ("log_probabilities", [0.0, -1e39, -1e39]),
        # logits so far apart that their log-probability leaves float32
        ("logits", [1e300, -1e300, 0.0]),
    ],
)
def test_outputs_beyond_float32_are_refused_not_made_withheld(kind, output):
    outputs = np.tile(np.array(output, dtype=np.float64), (2, 2, 1))
    with pytest.raises(DataError, match=r"outputs: .* at \[0, 0, 1\].*beyond float32's range"):
        observations_from_arrays(outputs, _MASKS, _LABELS, kind=kind)


def test_csv_whole_numbers_beyond_2_53_that_collapse_are_named(tmp_path, caplog):
    # 2**60 + k: float64 steps by 256 there, so 40 distinct k < 1000 read as a few values
    rows = [f"{2**60 + 25 * i},{i % 7},{i % 2}" for i in range(40)]
    path = tmp_path / "big.csv"
    path.write_text("account,age,y\n" + "\n".join(rows) + "\n")
    from mia_defense.data.csv_file import load_csv

    with caplog.at_level("WARNING", logger="mia_defense.data.csv_file"):
        load_csv(path=path, label_column="y")
    assert "column 'account' holds whole numbers beyond 2**53" in caplog.text
    assert "40 distinct values of the column were read as" in caplog.text


def test_a_label_copy_column_reaches_results_json_and_mia_report():
    from mia_defense.data.checks import finish_dataset
    from mia_defense.report.checks.notes import label_copies_note

    rng = np.random.default_rng(0)
    y = np.arange(60) % 3
    x = np.column_stack([rng.normal(size=60), 10.0 * y + 5])  # 'leak': a function of y
    data = finish_dataset(x, y, name="leaky", source="t", num_classes=None, names=["age", "leak"])
    assert data.label_copies == ("leak",)
    payload = {"data_label_copies": list(data.label_copies)}
    assert "column 'leak' of its data copies the labels" in label_copies_note(payload)
    assert label_copies_note({"data_label_copies": []}) is None  # (and runs of earlier versions)
