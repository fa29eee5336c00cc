"""The README's FEW RESAMPLES item says that resamples of one kind of record are left out
and that the rule counts those kept (helper 597): since 9d49f066 the end-of-run table's
FEW RESAMPLES line and mia-report's caveat say intervals of attack.bootstrap=200 of which
150 drew no non-member rest on 50, which the README's 'fewer than 10 / (1 - confidence)
resamples' did not tell a reader of attack.bootstrap=200."""

from __future__ import annotations

import re
from pathlib import Path

from mia_defense.report.checks.attack_results import ONE_CLASS_KEY

_README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_few_resamples_item_names_the_resamples_left_out():
    text = re.sub(r"\s+", " ", _README.read_text(encoding="utf-8"))
    item = text[text.index("*The interval*"):text.index("*Reading it*")]
    assert "(`FEW RESAMPLES`)" in item
    assert f"left out (`{ONE_CLASS_KEY}` in results.json)" in item
    assert "only those kept count" in item
