"""Purchase100's dataset_purchase and Texas100's feats/labels saved as UTF-16 (Windows'
Notepad "Unicode", PowerShell's `>` redirection) were refused as "not UTF-8 or ASCII text",
without saying what the file is or how to convert it, where the CSV loader names UTF-16 and
the fix. The text loaders now say it too."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.data import load_purchase100, load_texas100
from mia_defense.errors import DataError


def _lines(rows: int, width: int) -> str:
    rng = np.random.default_rng(0)
    return "".join(",".join(map(str, r)) + "\n" for r in rng.integers(0, 2, (rows, width)))


def test_purchase_text_in_utf16_is_named(tmp_path):
    path = tmp_path / "dataset_purchase"
    path.write_text(_lines(4, 601), encoding="utf-16")
    with pytest.raises(DataError, match=r"dataset_purchase: .*it is UTF-16 text; save it as UTF-8"):
        load_purchase100(path=path)


def test_texas_labels_in_utf16_are_named(tmp_path):
    (tmp_path / "feats").write_text(_lines(4, 6))
    (tmp_path / "labels").write_text("1\n2\n3\n4\n", encoding="utf-16")
    with pytest.raises(DataError, match=r"labels: .*it is UTF-16 text; save it as UTF-8"):
        load_texas100(path=tmp_path)
