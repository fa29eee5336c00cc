"""mia-report's warnings and refusals of report/runs.py named a run's folder raw (a run
skipped or not ranked, a folder it cannot list, a link not followed, a tree too big, a
results.json given for its folder): the report's log blanks a control character, so a
folder named ``$'evil\\x1b[2J\\nrun'`` read 'evil [2J run' (another name than the one to
type), and one of 1,500 characters was said whole. They go through `constraints.shown_path`
now, as every other refusal's path; an ordinary path is as before."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from mia_defense.constraints import PATH_LIMIT
from mia_defense.report import runs


def _skipped_warning(run_dir: Path, caplog) -> str:
    run_dir.mkdir(parents=True)
    (run_dir / "train.log").write_text("")  # a run refused before it wrote results.json
    with caplog.at_level(logging.WARNING, logger=runs.log.name):
        assert runs._load_run(run_dir, "run", runs.LoadedRuns()) is None
    (said,) = [r.getMessage() for r in caplog.records if "skipping it" in r.getMessage()]
    return said


def test_a_skipped_run_named_with_an_escape_is_escaped(tmp_path, caplog):
    run_dir = tmp_path / "evil\x1b[2J\nrun"
    said = _skipped_warning(run_dir, caplog)
    assert said.startswith("$'" + str(run_dir).replace("\x1b", "\\x1b").replace("\n", "\\x0a")
                           + "': no results.json (the run failed")  # fmt: skip


def test_a_skipped_run_of_an_ordinary_name_is_as_before(tmp_path, caplog):
    run_dir = tmp_path / "plain run"
    assert _skipped_warning(run_dir, caplog).startswith(f"{run_dir}: no results.json (")


@pytest.mark.parametrize("length", [1500, 300])
def test_a_tree_too_big_names_its_root_clipped_past_the_limit(tmp_path, length):
    root = Path("/" + "r" * (length - 1))
    said = str(runs._too_many_folders(root, root / "x"))
    if length > PATH_LIMIT:
        assert said.startswith("/rrr") and "… (1500 characters): more than" in said
        assert str(root) not in said
    else:
        assert said.startswith(f"{root}: more than {runs.MAX_FOLDERS} folders under it "
                               f"(stopped at {root}/x): ")  # fmt: skip
