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


README = DOC.parents[1] / "README.md"


def test_the_readme_blown_up_training_example_gives_its_figures(tmp_path):
    """The README's example of training that blew up with a finite loss gave loss 5e15 and
    test accuracy 0.159 against chance 0.106 for a bare `train.lr=1e6`, which on the default
    run gives loss 6e5 and 0.100 (the figures were a tiny test plan's): the example now names
    its settings, and they give its figures."""
    from mia_defense.cli.train import run
    from tests.conftest import compose_cfg

    text = " ".join(README.read_text().split())
    found = re.search(r"than a fifth of the way from chance to 1 \(`([^`]+)`: loss ([0-9.e+]+), "
                      r"test accuracy ([0-9.]+) against chance ([0-9.]+),", text)
    assert found, "the README's blown-up training example is gone or reworded"
    overrides, loss, accuracy, chance = found.groups()
    result = run(compose_cfg(*overrides.split(), "attack.bootstrap=0", "progress=false",
                             "figures=false", tiny=False), tmp_path / "run")
    assert "no_verdict_reason" in result.privacy
    assert abs(result.utility["train_loss"] / float(loss) - 1) < 0.1
    assert f"{result.utility['test_accuracy']:.3f}" == accuracy
    assert f"{result.utility['chance_accuracy']:.3f}" == chance


def test_the_readme_shows_the_default_run_table_once():
    """A second, partial copy of the default run's table (in "Attacks and metrics") had to be
    updated beside the first at every rerun; it is now a link to the one table."""
    rows = [line for line in README.read_text().splitlines()
            if line.startswith("strongest attack at 0.1% FPR: ")]
    assert len(rows) == 1, rows


def test_every_array_of_a_runs_observations_is_in_the_schema_table(fast_run):
    """`output_kind`, which every run's observations.npz holds, was missing from the page."""
    import numpy as np

    text = DOC.read_text()
    table = text[text.index("## observations.npz"):text.index("## scores.npz")]
    with np.load(fast_run.run_dir / "observations.npz") as arrays:
        missing = set(arrays.files) - _named(table)
    assert not missing, f"observations.npz arrays missing from {DOC.name}: {sorted(missing)}"
