"""Purchase100 and Texas100 (Shokri et al.'s release) have 0/1 features: a file of counts,
amounts or scaled values under their name loaded and trained without a word. It is refused,
naming the file, the first such value and where it is (the file's line, past blank lines)."""
import numpy as np
import pytest

from mia_defense.data import load_purchase100, load_texas100
from mia_defense.errors import DataError


def _features(value):
    x = (np.random.default_rng(0).random((100, 8)) < 0.3).astype(float)
    x[5, 3] = value
    return x


@pytest.mark.parametrize("value", [3, -1, 0.5])
def test_purchase_text_with_features_not_0_1_is_refused(tmp_path, value):
    x, y = _features(value), np.arange(1, 101)
    rows = [",".join([str(y[i]), *(f"{v:g}" for v in x[i])]) for i in range(100)]
    (tmp_path / "dataset_purchase").write_text("\n".join([*rows[:2], "", *rows[2:]]) + "\n")
    with pytest.raises(DataError, match=(
            rf"dataset_purchase: line 7, feature 4 \(after the label\) holds {float(value)}, "
            r"where Purchase100's features are 0/1: .*dataset=npz or dataset=csv$")):
        load_purchase100(path=tmp_path, label_base=1)


def test_purchase_npz_with_counts_is_refused(tmp_path):
    np.savez(tmp_path / "purchase100.npz", features=_features(2), labels=np.arange(100))
    with pytest.raises(DataError, match=r"purchase100.npz: sample 5, feature 3 \(counted from "
                                        r"0\) holds 2.0, where Purchase100's features are 0/1"):
        load_purchase100(path=tmp_path / "purchase100.npz", label_base=0)


def test_texas_feats_with_a_count_is_refused(tmp_path):
    folder = tmp_path / "texas" / "100"
    folder.mkdir(parents=True)
    np.savetxt(folder / "feats", _features(7), fmt="%g", delimiter=",")
    np.savetxt(folder / "labels", np.arange(1, 101), fmt="%d")
    with pytest.raises(DataError, match=r"100/feats: line 6, value 4 holds 7.0, where "
                                        r"Texas100's features are 0/1"):
        load_texas100(path=tmp_path, label_base=1)


def test_0_1_features_load_and_nan_keeps_its_own_message(tmp_path):
    np.savez(tmp_path / "purchase100.npz", features=_features(1), labels=np.arange(100))
    assert load_purchase100(path=tmp_path / "purchase100.npz", label_base=0).x.shape == (100, 8)
    np.savez(tmp_path / "purchase100.npz", features=_features(np.nan), labels=np.arange(100))
    with pytest.raises(DataError, match="NaN") as err:
        load_purchase100(path=tmp_path / "purchase100.npz", label_base=0)
    assert "0/1" not in str(err.value)
