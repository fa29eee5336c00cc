"""dataset.x_key and dataset.y_key naming one .npz array in two spellings (escaped and
raw, as `as_written` reads them since b838315f; composed and decomposed; null's usual
names) passed `_npz_settings`' "both name" check, which compares them as typed, and the
features were then read as the labels: "2-D labels (40, 3) must be one-hot". The names
the keys resolve to are compared too, with the same words. The CSV's label column named
in dataset.drop_columns or dataset.categories in another spelling keeps its "is the label
column" refusal (guards: these passed before)."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest

from mia_defense.data import load_csv, load_npz
from mia_defense.data.csv_file import check_csv_source
from mia_defense.data.tabular import check_npz_source
from mia_defense.errors import ConfigError

CAFE_NFD = unicodedata.normalize("NFD", "café")


def _npz(tmp_path, x_name: str, y_name: str = "y") -> str:
    rng = np.random.default_rng(0)
    path = tmp_path / "a.npz"
    np.savez(path, **{x_name: rng.normal(size=(40, 3)).astype(np.float32),
                      y_name: np.arange(40) % 2})  # fmt: skip
    return str(path)


SPELLINGS = [
    ("x\x1b", "x\\x1b", "x\x1b"),
    ("x\x1b", "x\x1b", "x\\x1b"),
    ("x\x1b", "x\\x1b", "x\\u001b"),
    (CAFE_NFD, "café", CAFE_NFD),
    ("x", None, "x"),
]


@pytest.mark.parametrize("load", [load_npz, check_npz_source])
@pytest.mark.parametrize(("name", "x_key", "y_key"), SPELLINGS)
def test_one_array_in_two_spellings_is_refused_as_both_named(tmp_path, load, name, x_key,
                                                              y_key):
    path = _npz(tmp_path, name)
    with pytest.raises(ConfigError, match=r"dataset\.x_key and dataset\.y_key both name "
                       ) as caught:
        load(path=path, x_key=x_key, y_key=y_key)
    message = str(caught.value)
    assert repr(name) in message and message.isprintable(), message
    assert "one-hot" not in message


def test_two_arrays_still_load(tmp_path):
    path = _npz(tmp_path, "x\x1b")
    assert load_npz(path=path, x_key="x\\x1b", y_key="y").x.shape == (40, 3)


def _csv(tmp_path) -> str:
    path = tmp_path / "a.csv"
    path.write_text(f"a,l\x1b,{CAFE_NFD}\n"
                    + "".join(f"{i},{i % 2},{'pq'[i % 2]}\n" for i in range(40)))  # fmt: skip
    return str(path)


@pytest.mark.parametrize("load", [load_csv, check_csv_source])
@pytest.mark.parametrize(("label", "other"), [
    ("l\\x1b", "l\x1b"), ("l\x1b", "l\\x1b"), ("l\\x1b", "l\\u001b"),
    ("café", CAFE_NFD), (CAFE_NFD, "café"),
])
def test_the_label_column_in_another_spelling_is_the_label_column(tmp_path, load, label,
                                                                   other):
    path = _csv(tmp_path)
    with pytest.raises(ConfigError, match="is the label column"):
        load(path=path, label_column=label, drop_columns=[other])
    with pytest.raises(ConfigError, match="is the label column"):
        load(path=path, label_column=label, categories={other: ["p", "q"]})
