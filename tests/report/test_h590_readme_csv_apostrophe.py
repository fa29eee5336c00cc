"""The repo README's paragraph on the report's CSV files says what the report's own
README.md says of their cells (`TEXT_CELLS`, 9ba65789): a text cell a spreadsheet would run
as a formula or read as another value starts with an apostrophe. It did not (helper 590):
only the report's own README.md said why runs.csv reads `'007` for run folder 007."""

from __future__ import annotations

import re
from pathlib import Path

from mia_defense.report.table import TEXT_CELLS

_README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_says_what_the_reports_csv_cells_start_with():
    text = re.sub(r"\s+", " ", _README.read_text(encoding="utf-8"))
    said = TEXT_CELLS.removeprefix("A ")
    assert said != TEXT_CELLS  # (the words start as the README's sentence goes on)
    assert f"In every CSV, a {said}" in text
