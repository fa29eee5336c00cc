"""docs/run_directory.md (linked from the README as the schema of "every file and field")
names every field a run writes into results.json: it left out the top-level
`input_shape` and `num_classes` and `utility.test_accuracy_models_at_chance`."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "run_directory.md"


def _named(text: str) -> set[str]:
    return set(re.findall(r"`([A-Za-z_@%.0-9]+)`", text))


def test_every_top_level_results_field_is_in_the_schema_table(fast_run):
    rows = [line for line in DOC.read_text().splitlines() if line.startswith("| `")]
    # `attacks.<attack>` and `slices.<attack>.<slice>` name the fields `attacks` and `slices`
    first_cells = {re.split(r"[.<]", name)[0]
                   for name in re.findall(r"`([^`]+)`", " ".join(r.split("|")[1] for r in rows))}
    missing = set(fast_run.payload) - first_cells
    assert not missing, f"results.json fields missing from {DOC.name}'s table: {sorted(missing)}"


def test_every_utility_field_is_named_in_the_utility_row(fast_run):
    row = next(line for line in DOC.read_text().splitlines() if line.startswith("| `utility` |"))
    missing = set(fast_run.payload["utility"]) - _named(row)
    assert not missing, f"utility fields missing from {DOC.name}: {sorted(missing)}"
