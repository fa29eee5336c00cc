"""A refused override is quoted at the start of its refusal; a character in it that is not
printable (a bidirectional override U+202E reorders the line on a terminal, a control
character) was echoed raw. It is escaped; printable text (café) stays as typed."""

from __future__ import annotations

from mia_defense.override_checks import unquoted_non_ascii


def test_a_refused_override_is_quoted_with_its_unprintable_characters_escaped():
    said = unquoted_non_ascii(["plan.f\u202eo=1"])
    assert said.startswith("$'plan.f\\u202eo=1': a key is a name in ASCII")
    assert "\u202e" not in said
    said = unquoted_non_ascii(["dataset.path=/data/café\x1b[2J.csv"])
    assert said.startswith("$'dataset.path=/data/café\\x1b[2J.csv': Hydra's override grammar")
