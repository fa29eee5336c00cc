"""A results.json edited to '"schema_version": null' was refused as 'schema_version is null
None, not the integer 1 ...' (mia-attack RUN, a resumed mia-train): two values where the
file holds one. It now reads 'schema_version is null, not the integer 1 ...'; the other
kinds keep their type and value ('int 99', "str '1'")."""

from __future__ import annotations

from mia_defense.tracking import SCHEMA_VERSION, schema_problem


def test_null_is_said_once() -> None:
    said = schema_problem({"schema_version": None})
    assert said == (f"schema_version is null, not the integer {SCHEMA_VERSION} this "
                    "mia-defense reads (the layout of results.json)")  # fmt: skip


def test_other_kinds_keep_their_type_and_value() -> None:
    assert schema_problem({"schema_version": "1"}).startswith("schema_version is str '1', ")
    assert schema_problem({"schema_version": 99}).startswith("schema_version is int 99, ")
    assert schema_problem({"schema_version": SCHEMA_VERSION}) is None
