"""Hostile: a results.json whose ``status`` is no text (an edited or forged file: null, a
number, an object) in a directory a run of another config starts in: the refusal naming
the keys that differ ended in a TypeError traceback ('int' object is not subscriptable)."""

from __future__ import annotations

import json

import pytest

from mia_defense.errors import ConfigError
from mia_defense.tracking.artifacts import SCHEMA_VERSION
from mia_defense.tracking.run_dir import finished_run


@pytest.mark.parametrize("status", [5, None, {"a": 1}, ""])
def test_a_status_that_is_no_text_is_an_unknown_one(tmp_path, status):
    (tmp_path / "results.json").write_text(json.dumps(
        {"schema_version": SCHEMA_VERSION, "status": status, "config": {"seed": 1}}))
    with pytest.raises(ConfigError, match=(
        rf"{tmp_path} holds an unknown run of another config \(seed: 1 -> 0\); nothing was "
        "changed")):
        finished_run(tmp_path, config={"seed": 0}, data_fingerprint=None)
    # the same config: not complete, so run again (resumed), as before
    assert finished_run(tmp_path, config={"seed": 1}, data_fingerprint=None) is None


def test_a_folder_named_results_json_is_refused_before_anything_runs(tmp_path):
    """It was warned about ('running it again'), and the run then stopped at its first write
    with 'cannot write it (Is a directory); free disk space or choose a writable run
    directory', advice that does not help. The first write (results.json 'running', before
    any training) names it now."""
    from mia_defense.errors import DataError
    from mia_defense.tracking.run_dir import mark_run

    (tmp_path / "results.json").mkdir()
    (tmp_path / "results.json" / "mine").write_text("x")
    assert finished_run(tmp_path, config={"seed": 0}, data_fingerprint=None) is None
    with pytest.raises(DataError, match=(
        rf"{tmp_path / 'results.json'}: a folder, not the results of a run; nothing was "
        r"changed. Move it away, or run in a new directory")):
        mark_run(tmp_path, status="running", config={"seed": 0}, data_fingerprint=None)
    assert (tmp_path / "results.json" / "mine").read_text() == "x"
