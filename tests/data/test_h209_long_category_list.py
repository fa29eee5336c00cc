"""dataset.categories with a long public list (ICD-10 codes, ZIP codes: tens of thousands)
took minutes before anything was read: check_fixed_categories counted each entry's copies
with list.count, once per entry (60,000 codes: 66 s, in the config check and again in the
load). Each entry is now counted once; a code listed twice is still refused."""

from __future__ import annotations

import pytest

from mia_defense.data.csv_columns import check_fixed_categories
from mia_defense.errors import ConfigError

_CODES = [f"c{i}" for i in range(100_000)]


class _Code(str):
    """A category that counts what is done with it, stripped or not: hashed (counted once
    each) or compared (list.count compares it with every other entry)."""

    touched = 0

    def __hash__(self) -> int:
        _Code.touched += 1
        return str.__hash__(self)

    def __eq__(self, other: object) -> bool:
        _Code.touched += 1
        return str.__eq__(self, other)

    def strip(self, chars: str | None = None) -> _Code:
        return _Code(str.strip(self, chars))


def test_a_long_category_list_is_checked_at_once():
    """Counted, not timed (speed lives in the bench): each code is hashed once (1,000
    codes: 1,000 steps; counted by list.count, 999,000 comparisons, and 100,000 took
    105 s)."""
    _Code.touched = 0
    check_fixed_categories({"diagnosis": [_Code(code) for code in _CODES[:1000]]})
    assert 1000 <= _Code.touched <= 3 * 1000, _Code.touched  # (at least once: they were met)
    fixed = check_fixed_categories({"diagnosis": _CODES})
    assert fixed == {"diagnosis": tuple(_CODES)}


def test_a_code_listed_twice_in_a_long_list_is_still_refused():
    with pytest.raises(ConfigError, match=r"lists 'c7' more than once \(surrounding spaces "
                                          r"ignored\); give each category once"):
        check_fixed_categories({"diagnosis": [*_CODES[:50_000], " c7 "]})
