"""mia-attack on a run folder whose results.json lost its ``config`` (deleted, or null or
empty, everything else intact, its sha256 record too): the run was attacked and the new
record held no training config. It is refused like other edited results.json files, naming
the file and what to do. (A hand-made results.json recording no sha256 is still read:
tests/report/test_h98_dp_run_without_config.py.)"""

from __future__ import annotations

import shutil

import pytest

from mia_defense.attack_source import read_source
from mia_defense.errors import DataError
from mia_defense.tracking import read_json, write_json
from tests.cli.test_h201_attack_edited_seed import seed_one_run  # noqa: F401 (fixture)


@pytest.mark.parametrize(("edit", "said"), [("deleted", "missing"), (None, "null"),
                                            ({}, "empty")])  # fmt: skip
def test_a_results_json_without_its_config_is_refused(seed_one_run, tmp_path, edit, said):  # noqa: F811
    run = tmp_path / "run"
    shutil.copytree(seed_one_run, run)
    results = read_json(run / "results.json")
    assert results["config"]["seed"] == 1
    if edit == "deleted":
        del results["config"]
    else:
        results["config"] = edit
    write_json(run / "results.json", results)
    refused = rf"run/results\.json: config is {said}, yet .*put the run's own results\.json back"
    with pytest.raises(DataError, match=rf"{refused}.*mia-attack .*observations"):
        read_source(run)


def test_the_runs_own_results_json_is_read(seed_one_run):  # noqa: F811
    assert read_source(seed_one_run).results["config"]["seed"] == 1
