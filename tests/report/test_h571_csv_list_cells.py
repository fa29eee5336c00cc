"""tradeoff.csv's and runs.csv's list cells (``runs``, ``hyperparameters``) split back into
their items, whatever the items hold.

Measured (mia-report of two seeds of one config, run folders ``a; b`` and ``c``, config
value train.tag ``x; y=z``): the row's runs cell read ``a; b; c`` (three runs?) and its
hyperparameters ``train.tag=x; y=z`` (two settings?): items are joined with ``; `` and an
item holding ``; `` could not be told from two. Each item now has ``\\`` and ``;``
backslash-escaped, as the report's README.md says.
"""

from __future__ import annotations

import csv

from mia_defense.report import write_report
from tests.report.fake_runs import make_run


def _items(cell: str) -> list[str]:
    """The items of a list cell: split at each unescaped ``; ``, escapes undone."""
    items, item, chars = [], "", iter(cell)
    for c in chars:
        if c == "\\":
            item += next(chars)
        elif c == ";":
            assert next(chars) == " ", cell
            items.append(item)
            item = ""
        else:
            item += c
    return [*items, item]


def test_items_holding_the_separator_split_back(tmp_path):
    root = tmp_path / "sweep"
    odd = {"train.tag": "x; y=z", "train.path": "C:\\runs\\"}
    make_run(root / "a; b", test_accuracy=0.8, signal=1.0, seed=0, config=odd)
    make_run(root / "c", test_accuracy=0.8, signal=1.0, seed=1, config=odd)
    make_run(root / "d", test_accuracy=0.9, signal=2.0, seed=0,
             config={"train.tag": "plain", "train.path": "p"})  # fmt: skip
    write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    with (tmp_path / "out" / "tradeoff.csv").open(newline="", encoding="utf-8") as handle:
        rows = {row["runs"]: row for row in csv.DictReader(handle)}
    (cell,) = [c for c in rows if c != "d"]
    assert _items(cell) == ["a; b", "c"]
    assert sorted(_items(rows[cell]["hyperparameters"])) == [
        "train.path=C:\\runs\\", "train.tag=x; y=z"]
    assert sorted(_items(rows["d"]["hyperparameters"])) == ["train.path=p", "train.tag=plain"]
    summary = (tmp_path / "out" / "README.md").read_text(encoding="utf-8")
    assert "backslash" in summary
