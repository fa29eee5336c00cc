"""Two rows whose names differ only by a line break against a space (run folders
``line1\\nline2`` and ``line1 line2``) are told apart in the Markdown tables.

Measured (mia-report --group-by run of those two runs, both on the front): README.md's front and
tradeoff.md's run column showed ``line1 line2`` twice: the line break was shown as a space.
A control character is now shown as its picture (U+2400 + its code: ``␊`` for a line
break), another unprintable character as ``\\uXXXX``.
"""

from __future__ import annotations

from mia_defense.report import write_report
from mia_defense.report.table import md_code, md_text
from tests.report.fake_runs import make_run


def test_a_line_break_and_a_space_show_apart(tmp_path):
    root = tmp_path / "sweep"
    make_run(root / "line1\nline2", test_accuracy=0.9, signal=3.0, seed=0)
    make_run(root / "line1 line2", test_accuracy=0.8, signal=0.3, seed=1)
    write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False,
                 group_by=["run"])  # fmt: skip
    for name in ("README.md", "tradeoff.md"):
        text = (tmp_path / "out" / name).read_text(encoding="utf-8")
        assert "line1␊line2" in text, name
        assert "line1 line2" in text, name


def test_unprintable_characters_are_shown_apart_from_spaces():
    assert md_code("a\tb\x1bc\x7fd") == "a␉b␛c␡d"
    assert md_code("a\u00a0b\u2028c") == "a\\u00a0b\\u2028c"
    assert md_code("a b") == "a b" and md_code("a\udcffb") == "a\\xffb"
    assert md_text("a\nb") == "a␊b"
