"""dataset.categories with a long public list (ICD-10 codes, ZIP codes: tens of thousands)
took minutes before anything was read: check_fixed_categories counted each entry's copies
with list.count, once per entry (60,000 codes: 66 s, in the config check and again in the
load). Each entry is now counted once; a code listed twice is still refused."""

from __future__ import annotations

import time

import pytest

from mia_defense.data.csv_columns import check_fixed_categories
from mia_defense.errors import ConfigError

_CODES = [f"c{i}" for i in range(100_000)]


def test_a_long_category_list_is_checked_at_once():
    start = time.perf_counter()
    fixed = check_fixed_categories({"diagnosis": _CODES})
    assert time.perf_counter() - start < 5  # (minutes before)
    assert fixed == {"diagnosis": tuple(_CODES)}


def test_a_code_listed_twice_in_a_long_list_is_still_refused():
    with pytest.raises(ConfigError, match=r"lists 'c7' more than once \(surrounding spaces "
                                          r"ignored\); give each category once"):
        check_fixed_categories({"diagnosis": [*_CODES[:50_000], " c7 "]})
