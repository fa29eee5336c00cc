"""Paths shown through `report.checks.one_line` instead of `constraints.shown_path`, the
rule every other path follows (a newline or a terminal's escape read as a space, naming
another file; a name cut without its length): mia-report's dataset cell for observations
that name no dataset (results.json's source.path) and for a file-backed dataset
(dataset.path's file name, shown raw: its newline and escape went into runs.csv), mia-attack's
refusal of a source no path can be (`cli.attack._unnamable_source`), and the names mia-report
finds in a run folder: a results.json being written, one kept aside unreadable."""

from __future__ import annotations

from mia_defense.cli.attack import _unnamable_source
from mia_defense.report.runs import load_runs
from mia_defense.report.table import summarise
from tests.report.fake_runs import make_run, rewrite_results

EVIL = "o\nWARNING fake\x1b[2J"
SHOWN = "o\\x0aWARNING fake\\x1b[2J"


def _dataset_cell(run_dir) -> str:
    loaded = load_runs([run_dir])
    assert not loaded.skipped, loaded.skipped
    return summarise(loaded.runs)[0].dataset


def test_an_unnamed_observations_path_is_shown_as_a_path(tmp_path):
    run = tmp_path / "r"
    run.mkdir()
    make_run(run, test_accuracy=0.8, signal=1.0)

    def change(payload):
        payload["source"] = {"kind": "observations", "path": f"/tmp/{EVIL}.npz",
                             "metadata": {}}  # fmt: skip

    rewrite_results(run, change)
    (run / "observations.npz").unlink()  # no copy to read its labels from: its path
    assert _dataset_cell(run) == f"digits ($'/tmp/{SHOWN}.npz')"


def test_a_long_unnamed_observations_path_is_cut_with_its_length(tmp_path):
    run = tmp_path / "r"
    run.mkdir()
    make_run(run, test_accuracy=0.8, signal=1.0)
    path = "/data/" + "x" * 300 + ".npz"
    rewrite_results(run, lambda p: p.update(source={"kind": "observations", "path": path,
                                                    "metadata": {}}))  # fmt: skip
    (run / "observations.npz").unlink()
    cell = _dataset_cell(run)
    assert cell.startswith("digits (/data/xxx") and cell.endswith(f"… ({len(path)} characters))")
    assert len(cell) <= len("digits ()") + 120, cell


def test_a_dataset_file_name_is_shown_as_a_path(tmp_path):
    run = tmp_path / "r"
    run.mkdir()
    make_run(run, test_accuracy=0.8, signal=1.0, config={"dataset.path": f"/d/{EVIL}.csv"})
    assert _dataset_cell(run) == f"digits ($'{SHOWN}.csv')"


def test_a_source_no_path_can_be_is_shown_as_a_path():
    source = f"ab{EVIL}" + "x" * 300
    said = _unnamable_source(source)
    assert said is not None
    assert said.startswith(f"source=$'ab{SHOWN}{'x' * 300}': holds a name of "), said[:400]


def test_a_results_json_being_written_is_named_as_a_path(tmp_path):
    run = tmp_path / "r"
    run.mkdir()
    (run / f".results.json.{EVIL}.tmp").touch()
    ((_, reason),) = load_runs([run]).skipped
    assert reason.startswith(f"no results.json yet: $'.results.json.{SHOWN}.tmp' is being "
                             "written"), reason  # fmt: skip


def test_a_kept_results_json_is_named_whole(tmp_path):
    run = tmp_path / "r"
    run.mkdir()
    kept = "results.json.unreadable-" + "1" * 100
    (run / kept).touch()
    ((_, reason),) = load_runs([run]).skipped
    assert f"; the folder holds {kept}: an earlier results.json" in reason, reason


def test_a_source_with_a_nul_is_shown_as_its_repr():
    said = _unnamable_source("o.npz\0x")
    assert said is not None and said.startswith("source='o.npz\\x00x': holds a NUL byte"), said
